#include "bench/streambench/help.hpp"

namespace streamcheck::streambench {
namespace {

constexpr const char* kText =
    R"(Counters (one row per benchmark, named TARGET/PROTO/OP/SIZE, then /cN at --concurrency N:
in a sweep always, else when N > 1; then the slow clients', below). Each repetition of a
benchmark runs batches of N transfers at once, each on its own connection, opened before
the batch; every time counts from the batch's start, when each transfer was meant to
start, so a transfer that waited behind the others counts its wait. Percentiles come
from a histogram of every transfer of the row (within 0.4%), merged, never averaged.
  bytes_per_second     aggregate: payload bytes of all the transfers / the time from each
                       batch's start to the end of its last transfer (Google Benchmark's)
  ttfb_us              the mean of: downloads, start to the first body byte received;
                       uploads, start to the first body byte sent; http-copy and
                       http-move, start to the answer, as no body goes either way (us)
  ttfb_p50_us, ttfb_p90_us, ttfb_p99_us, ttfb_max_us
                       its percentiles over every transfer of the row
  transfer_mbps_p50, transfer_mbps_min
                       per transfer: its payload bytes / its time from start to end, in
                       MB/s (10^6 bytes per second): median and slowest
  first_byte_read_kib  downloads: KiB the server had read (rchar, which counts read() and
                       sendfile(), when each call returns) when the client got its
                       first byte, taken with the transfer paused there (P3); 0 for
                       uploads; only at concurrency 1 (with others at once, what the
                       server read is not this transfer's alone)
  rss_peak_kib         peak memory growth of the server's process tree during the
                       transfer (P1): VmHWM reset via clear_refs for one process; for a
                       tree of several, its summed PSS, sampled (a page shared by the
                       session processes counts once, not once per process)
  rss_per_conn_kib     the tree's peak memory during the batch less its memory before the
                       batch's sessions were opened, / N: what a connection costs (P1
                       under load)
  copies               uploads: wchar growth / payload; downloads: rchar growth / payload,
                       over the tree; 1.0 is a straight stream, a temp-file spool 2.0 (P2).
                       http-copy, http-move: wchar / the object's size, as an upload's:
                       read()+write(), sendfile(2) and copy_file_range(2) count (the
                       kernel adds what the last two copy to rchar and wchar, though the
                       bytes stay in it), splice(2) through a pipe does not (0); so 1.0
                       is one copy, 2.0 a copy through a temp file, and about 0 a MOVE
                       that renames (a MOVE's MB/s is then size / the rename's time: it
                       says whether the server renamed, not a speed of bytes), or a
                       spliced COPY; cpu_ms_per_gib tells a copy in the kernel from one
                       through the server's buffers
  fd_delta             descriptors of the tree after the transfer minus before, once the
                       client's sessions are closed and the server settled (P4)
  fd_peak              the most descriptors the tree held at once during the batch
                       (the N sessions' included)
  deleted_open         descriptors on unlinked files at the end (P4)
  sha256_ok            1 when what was read back is byte-exact; a mismatch instead fails
                       the benchmark naming the first differing offset (P5)
  cpu_ms_per_gib       CPU time of the tree per GiB moved
  harness_rss_kib      streambench's own peak RSS (it must stay flat)
  probe_samples        sampler readings during the transfer
  warmup               the untimed warm-up transfers that ran before the timed ones
                       (--warmup, below); in none of the figures above

Under MPI (mpirun ... streambench --mpi: README, Across hosts) rank 0 probes and the other
ranks share each batch's transfers. The row's time is rank 0's, from the step that starts
a batch's transfers to the last rank's report of its end (no clock of one host is read
against another's); its TTFB and transfer percentiles are of every rank's transfers, their
histograms merged bucket by bucket. Each row also gets
  transfers, bytes     the transfers and payload bytes of every rank, summed
  rankN_transfers, rankN_bytes, rankN_ttfb_p50_us, rankN_ttfb_p99_us
                       load rank N's own
  rankN_seconds        load rank N's time, its batches' starts to their last ends, by its
                       own clock: a rank far above the others is a straggler
and the context names each rank's host (mpi_rankN_host). A failure names its rank and
host and fails the row on every rank; a rank that keeps the others waiting past
--mpi-timeout at any step is named, every later row fails, and the job ends once rank 0
has written its results.

Slow and stalled clients. With --slow-reader RATE, --stalled-reader SECONDS or
--slow-writer RATE every download (the first two) or upload (the last) of a benchmark is
a slow client, and its name says so after /cN: .../slow, .../stalled, .../slow-writer. A
slow reader or writer moves pieces of RATE/64 (16 to 256 KiB) and waits until each is
due at RATE. A stalled reader takes the first 1 MiB of its body (half the body when that
is less; a piece more at most), then reads nothing for SECONDS, so its receive window
shuts and the server's sends block, then reads the rest at full speed. In a batch a
waiting client is paused (curl's pause) and the others run on. These waits are the
client's own and never count towards --stall-timeout. A server with no backpressure
shows it in rss_peak_kib and rss_per_conn_kib, which then grow by what it read ahead for
its slow clients; one that streams stays flat however slow they are.

Mix (--mix fast:N,slow:M): N fast and M slow transfers start together in one batch (the
slow ones spread through it; slow: the slow mode of the op's direction, as above). Only
ops whose direction has a slow mode run (the others are named on stderr). --mix is the
batch, so it takes the place of --concurrency (give one or the other): rows are named
.../cN+M/mix-fN-sM/MODE. The counters above cover the whole batch: its time ends with its
last transfer, usually a slow one, and rss_per_conn_kib is the server's growth over all
N+M connections. Each group also gets its own:
  fast_ttfb_p50_us, fast_ttfb_p99_us, fast_ttfb_max_us
                       the fast transfers' first bytes: a server whose slow clients hold
                       up its fast ones shows it here
  fast_transfer_mbps_p50, fast_transfer_mbps_min
                       each fast transfer's payload bytes / its time, median and slowest
                       (MB/s)
  fast_aggregate_mbps  the fast transfers' bytes / the time from the batch's start to the
                       end of its last fast transfer (MB/s)
  slow_ttfb_p50_us, slow_ttfb_p99_us, slow_ttfb_max_us, slow_transfer_mbps_p50,
  slow_transfer_mbps_min, slow_aggregate_mbps
                       the same for the slow transfers

Checks in the same run, for the largest size of http-get (.../checks, printed on stderr
at the end): --check-rounds rounds of three GETs of one object in every order in turn (ours
with the probe, ours without, the curl tool to /dev/null), compared by their medians,
each ratio with a 95% interval (bootstrap over the rounds) and a verdict: met, not met,
or undecided, with the rounds that would decide it. On a machine of few CPUs a loopback
GET's speed depends on whether client and server share a CPU, so the checks pin the
harness to the last CPU and the server's tree to the others while they run (put back
after; --pin replaces that split, --no-check-pinning turns it off; pinning another user's
server needs CAP_SYS_NICE, else the checks run unpinned and say why):
  check_pinned         1 when the checks ran pinned, 0 when not
  probe_on_MBps, probe_off_MBps, curl_MBps   median throughput of each (MB/s)
  probe_cost_pct       how much slower ours is with the probe than without, in percent
                       (negative: faster); goal: within +-5
  probe_cost_low_pct, probe_cost_high_pct    its 95% interval
  probe_cost_verdict   1 met (the interval inside +-5), -1 not met (outside), 0 undecided
  probe_cpu_pct        the probe's own CPU time (readings, sampler) / the transfer's time
  client_vs_curl       ours without the probe / the curl tool (goal >= 1.0)
  client_vs_curl_low, client_vs_curl_high    its 95% interval
  client_verdict       1 met (low >= 1.0), -1 not met (high < 1.0), 0 undecided
  client_cpu_ms_per_gib, curl_cpu_ms_per_gib
                       the two clients' CPU time per GiB received

Google Benchmark's flags are passed through, e.g.
  --benchmark_filter=REGEX  --benchmark_repetitions=N  --benchmark_out=FILE
  --benchmark_out_format=json|csv|console  --benchmark_format=...  --benchmark_list_tests
(compare two JSON files with Google Benchmark's compare.py).

Pre-fault: on a fresh VM the host backs guest memory only when it is first touched, and
the first write into it runs about 3x slower than later ones, so a run's first uploads
into a tmpfs root (or a disk root's page cache) would measure the hypervisor. Before the
first benchmark streambench writes and removes a scratch file on the root's filesystem
(beside the root when it can, else in it; /dev/shm when the root is unknown) of twice the
largest size x the largest --concurrency, plus the download objects, bounded by the free
space and memory; the context's "prefault" says how much and how long (--no-prefault
skips it). Memory freed a while ago may go back to the host, so each upload batch gets one
again, twice its bytes, just before it is timed, less the transfer a warm-up has just
made (below): at concurrency 1 the warm-up is its pre-fault. A root whose filesystem has
no room for the whole of it (less the margin: an eighth, at least 256 MiB) is refused
before any byte is written, exit 3: on tmpfs free memory bounds it too (8 GiB wants 24 GiB
of RAM: use --root-on disk), on disk its free space. Sizes of 2 GiB and more (up to 8 GiB
and past, offsets and lengths are 64-bit throughout) run on a disk root unless --root-on
says otherwise, said on stderr.

Warm-up (--warmup N): even so, the first upload into a fresh tmpfs root ran at 185-330
MB/s on every server measured here and the later ones at 700-1000 MB/s: the kernel
allocating pages and the server its first buffers. So each benchmark first runs N untimed
transfers of its own op and size, to the paths its timed transfers use (an upload is
removed after, so its pages are free for the timed one), one at a time at full speed
whatever --concurrency or the slow clients, on the set-up's session, before the probe
starts: they are in no figure (bytes, time, TTFB, memory, descriptors, CPU). Default: 1
for the ops that send a body (http-put, http-put-chunked, http-post, http-post-chunked,
ftp-stor, ftp-appe) and for http-copy and http-move, 0 for downloads, whose object is
written at set-up; --warmup 0 turns it off. Each repetition runs its own; the counter
warmup says how many ran.

WebDAV COPY and MOVE (http-copy, http-move): the bytes move within the server, none on
the wire. Set-up (untimed): the source is PUT once (COPY reads the downloads' object;
MOVE has its own, one per transfer of a batch). Timed: COPY or MOVE of it with
Destination: the absolute URL of a name not there yet (the last transfer's was removed,
untimed, so no unlink of an old one is measured) and Overwrite: T. Then, untimed, after
every transfer: HEAD of the destination (its size), of the source (COPY: still whole;
MOVE: 404), and a GET of the destination hashed as a stream against the payload
generator, as after an upload; a COPY's destination is then removed, a MOVE's moved back
to the source (removed when that fails: the next set-up PUTs a new one). A server that
answers 405 or 501 to a COPY or MOVE of a 1-byte object, tried when the benchmarks are
registered, has the op skipped, named on stderr, as an FTP op is on a target without FTP.
The slow-client flags do not apply (nothing to slow down: skipped, named on stderr); the
warm-up does (1 by default: for COPY the first write into a fresh root).

Subcommands:
  streambench fds --pid PID [--json] [--save FILE] [--against FILE]
      the tree's open files from /proc and lsof side by side (see streambench fds --help)
  streambench gate BASELINE.json CURRENT.json [--rules FILE] [limits...]
      the CI verdict: invariants and ratios against a baseline, a table of every check;
      exit 0 pass, 1 regression, 2 unusable input (see streambench gate --help); speed
      is judged only against a baseline from the same machine
  streambench baseline LOCAL.json CURRENT.json
      makes LOCAL this machine's baseline: written when missing or another machine's,
      else given the benchmarks it lacks (see streambench baseline --help)

On the server, streambench works in /streambench/ (FTP: streambench/ in the login
directory): each download reads obj-SIZE-PAYLOAD-seedN.bin, made once and kept for the
next run; each upload is read back, then removed (it stays when it failed the check).

A server that stops moving bytes without closing fails the benchmark instead of hanging
the run: no byte for --stall-timeout seconds ("stalled"), or no answer --answer-timeout
seconds after an upload's whole body (room for an fsync of a big file). The time a slow
or stalled client waits on purpose is not counted.

Exit status: 0 all benchmarks ran; 1 some failed (error named on stderr); 3 usage or
target errors.)";

}  // namespace

const char* help_text() {
  return kText;
}

}  // namespace streamcheck::streambench
