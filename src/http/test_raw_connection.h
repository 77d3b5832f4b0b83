// Test-only: a plain TCP connection to a server under test, to see exactly what goes over the
// wire (used by the server and TLS tests).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

namespace cairn::http {

// A plain TCP connection, to see exactly what goes over the wire.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `done(received)` or EOF or the timeout; returns what was received so far.
  // closed() tells whether EOF (or a reset) was seen.
  template <class Done>
  std::string ReadUntil(Done done,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(buffer_) && !closed_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= std::chrono::milliseconds(0)) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    return buffer_;
  }

  // One complete response (head and Content-Length body), removed from the buffer.
  std::string ReadResponse(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    auto complete = [](const std::string& b) { return ResponseLength(b) != std::string::npos; };
    ReadUntil(complete, timeout);
    size_t length = ResponseLength(buffer_);
    if (length == std::string::npos) return std::exchange(buffer_, {});
    std::string response = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  // Whether the server closes the connection within `timeout` (and sends nothing more).
  bool WaitForClose(std::chrono::milliseconds timeout) {
    ReadUntil([](const std::string&) { return false; }, timeout);
    return closed_;
  }

  bool closed() const { return closed_; }
  // Everything received and not yet taken by ReadResponse.
  const std::string& received() const { return buffer_; }

 private:
  static size_t ResponseLength(const std::string& b) {
    size_t head_end = b.find("\r\n\r\n");
    if (head_end == std::string::npos) return std::string::npos;
    size_t body = 0;
    std::smatch m;
    std::string head = b.substr(0, head_end);
    if (std::regex_search(head, m, std::regex("\r\nContent-Length: (\\d+)"))) {
      body = std::stoul(m[1]);
    }
    size_t total = head_end + 4 + body;
    return b.size() >= total ? total : std::string::npos;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

}  // namespace cairn::http
