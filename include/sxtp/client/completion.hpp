// sxtp/client/completion.hpp — how client::async_call and async_open
// complete any Asio completion token: the operation (an awaitable on the
// client's executor) is spawned, the token's cancellation slot is wired to
// it, and its value goes to the handler on the handler's executor.
#ifndef SXTP_CLIENT_COMPLETION_HPP
#define SXTP_CLIENT_COMPLETION_HPP

#include <sxtp/client/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace sxtp::detail {

/// What async_call/async_open take as their last argument: anything but
/// the call's own arguments (so that a forgotten token is not taken for one).
template <class Token>
concept completion_token = !std::is_convertible_v<Token, call_options>;

/// Runs `op` on `ex` and completes `token` with `void(T)`. `op` does not
/// throw (the client turns failures into values); should it, the exception
/// leaves the handler's executor as co_spawn's would.
template <class T, class Token>
auto launch(const boost::asio::any_io_executor& ex, boost::asio::awaitable<T> op, Token&& token) {
    return boost::asio::async_initiate<Token, void(T)>(
        [ex](auto handler, boost::asio::awaitable<T> op) {
            auto slot = boost::asio::get_associated_cancellation_slot(handler);
            auto handler_ex = boost::asio::get_associated_executor(handler, ex);
            auto out = std::make_shared<std::optional<T>>();
            auto run = [](boost::asio::awaitable<T> op, std::shared_ptr<std::optional<T>> out) -> boost::asio::awaitable<void> {
                // co_spawn lets only terminal cancellation through; a token's
                // partial or total cancellation ends the call as well
                co_await boost::asio::this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
                out->emplace(co_await std::move(op));
            };
            boost::asio::co_spawn(ex, run(std::move(op), out),
                                  boost::asio::bind_cancellation_slot(
                                      slot, boost::asio::bind_executor(handler_ex, [h = std::move(handler), out](std::exception_ptr e) mutable {
                                          if (e) std::rethrow_exception(e);
                                          std::move(h)(std::move(**out));
                                      })));
        },
        token, std::move(op));
}

} // namespace sxtp::detail

#endif
