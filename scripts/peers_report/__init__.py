"""The cross-server report of `scripts/bench --peers`, as a package: `load` parses a
results folder (streambench JSON, conformance XML, the .tsv manifests), `judge` aggregates
the rounds and decides rankings and P1-P7 verdicts, `text` writes the text summary,
`plots` draws scripts/report_plots.py's plots, `html_report` writes index.html; `common`
holds the constants and unit helpers they share. The command line is
scripts/peers_report.py; see its docstring for the inputs and outputs.
"""
