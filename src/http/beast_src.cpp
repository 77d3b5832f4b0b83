// The one translation unit that compiles Beast's and Asio's out-of-line code; every other file of
// the target sees only declarations (BOOST_BEAST_SEPARATE_COMPILATION and
// BOOST_ASIO_SEPARATE_COMPILATION are defined for the whole target).
#include <boost/asio/impl/src.hpp>
// Asio's SSL is not part of asio/impl/src.hpp; the server's HTTPS needs it.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
