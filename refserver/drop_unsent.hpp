// Closing a connection whose peer has stopped reading.
//
// close(2) on a TCP socket hands what is still queued for sending to the kernel, which
// keeps the socket (FIN-WAIT-1) and goes on sending for as long as the peer reads, however
// slowly: with slowhttptest -X reading 32 bytes a second, 1.6 MiB queued and 4 MiB of
// socket memory a connection, outside the server's RSS and outliving its idle timeout.
// A connection closed because it stalled drops that queue instead: SO_LINGER with a zero
// timeout makes close() send a reset and free it at once (nginx's
// reset_timedout_connection). A connection with nothing queued still closes gracefully.
#pragma once

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

namespace streamcheck {

// Call just before closing `socket` for a timeout. Errors are ignored: the socket is about
// to be closed either way.
template <class Socket>
void drop_unsent_on_close(Socket& socket) {
  if (!socket.is_open()) return;
  int queued = 0;
  if (::ioctl(socket.native_handle(), SIOCOUTQ, &queued) != 0 || queued <= 0) return;
  boost::system::error_code ignored;
  socket.set_option(boost::asio::socket_base::linger(true, 0), ignored);
}

}  // namespace streamcheck
