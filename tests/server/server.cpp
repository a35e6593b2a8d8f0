// Tests for include/sxtp/server/server.hpp over real TCP on 127.0.0.1.
#include <sxtp/server/server.hpp>
#include <sxtp/sx.hpp>
#include <sxtp/typed.hpp>
#include <sxtp/wire.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/hana/define_struct.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using namespace sxtp;
namespace asio = boost::asio;

namespace shop {
struct item_ref {
    BOOST_HANA_DEFINE_STRUCT(item_ref, (std::int64_t, id));
};
struct item {
    BOOST_HANA_DEFINE_STRUCT(item, (std::int64_t, id), (std::string, name));
};
struct no_such_item {
    static constexpr std::string_view sxtp_condition = "no-such-item";
    static constexpr status_code sxtp_status = status_code::not_found;
    BOOST_HANA_DEFINE_STRUCT(no_such_item, (std::int64_t, id));
};
struct get_item : endpoint<"fetch", "/items/{id}"> {
    using params = item_ref;
    using result = item;
    using raises = sxtp::raises<no_such_item>;
};
struct add_item : endpoint<"create", "/items"> {
    using body = item;
    using result = item;
    static constexpr auto success = status_code::created;
};
struct explode : endpoint<"mutate", "/explode"> {};
} // namespace shop

namespace {

// Sends `requests` (tagged or not) to 127.0.0.1:port and returns the answers by call order.
std::vector<response> exchange(asio::io_context& io, unsigned short port, std::vector<std::pair<request, bool>> requests) {
    std::vector<response> answers(requests.size());
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        asio::ip::tcp::socket s(io);
        co_await s.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
        wire::client_connection c;
        std::map<wire::call_id, std::size_t> index;
        for (std::size_t i = 0; i < requests.size(); ++i) index[c.send(requests[i].first, requests[i].second)] = i;
        while (!c.output().empty()) {
            const auto out = c.output();
            const auto n = co_await asio::async_write(s, asio::buffer(out.data(), out.size()), asio::use_awaitable);
            c.consume(n);
        }
        std::size_t got = 0;
        while (got < requests.size()) {
            auto room = c.prepare();
            const auto n = co_await s.async_read_some(asio::buffer(room.data(), room.size()), asio::use_awaitable);
            c.commit(n);
            for (auto ev = c.next_event(); !std::holds_alternative<wire::need_more>(ev); ev = c.next_event()) {
                auto* a = std::get_if<wire::answer>(&ev);
                if (!a) throw std::runtime_error("the connection failed");
                answers[index.at(a->id)] = std::move(a->res);
                ++got;
            }
        }
    }, [&](std::exception_ptr e) {
        io.stop();  // the server's timers would keep run_for busy
        if (e) std::rethrow_exception(e);
    });
    io.run_for(std::chrono::seconds(10));
    io.restart();
    return answers;
}

request make(std::string_view text) { return typed::from_sx<request>(sx::read(text)); }
std::string type_of(const response& r) { return std::string(typed::from_sx<condition>(*r.body).type.name()); }

} // namespace

TEST_CASE("server: typed handlers, built-in answers and failures over TCP") {
    asio::io_context io;
    std::vector<std::string> logged;
    server_options options;
    options.log = [&](std::string_view m) { logged.emplace_back(m); };
    sxtp::server srv(io.get_executor(), options);
    srv.handle<shop::get_item>([](const shop::item_ref& r, const no_body&, call_context&) -> reply<shop::get_item> {
        if (r.id == 404) return shop::no_such_item{r.id};
        return shop::item{r.id, "item " + std::to_string(r.id)};
    });
    srv.handle<shop::add_item>([](const no_params&, const shop::item& it, call_context&) -> asio::awaitable<shop::item> {
        co_return shop::item{it.id + 1, it.name};  // a coroutine handler
    });
    srv.handle<shop::explode>([](const no_params&, const no_body&, call_context&) -> no_result {
        throw std::runtime_error("secret detail");
    });
    const auto port = srv.listen({asio::ip::make_address("127.0.0.1"), 0});

    const auto out = exchange(io, port,
                          {{make(R"((request :verb ping :path "/anything"))"), false},
                           {make(R"((request :verb fetch :path "/items/7"))"), true},
                           {make(R"((request :verb fetch :path "/items/404"))"), true},
                           {make(R"((request :verb create :path "/items" :body {:id 1 :name "pen"}))"), false},
                           {make(R"((request :verb fetch :path "/nowhere"))"), false},
                           {make(R"((request :verb delete :path "/items/7"))"), true},
                           {make(R"((request :verb fetch :path "/items/seven"))"), true},
                           {make(R"((request :verb mutate :path "/explode"))"), false}});
    REQUIRE(out.size() == 8);
    CHECK(out[0].status.code() == status_code::ok);
    CHECK(out[1].status.code() == status_code::ok);
    CHECK(typed::from_sx<shop::item>(*out[1].body).name == "item 7");
    CHECK(out[2].status.code() == status_code::not_found);
    CHECK(type_of(out[2]) == "no-such-item");
    CHECK(out[3].status.code() == status_code::created);
    CHECK(typed::from_sx<shop::item>(*out[3].body).id == 2);
    CHECK(out[4].status.code() == status_code::not_found);
    CHECK(type_of(out[4]) == "resource-not-found");
    CHECK(out[5].status.code() == status_code::invalid);
    CHECK(sx::canonical(*typed::from_sx<condition>(*out[5].body).detail) == "{:available-verbs (fetch)}");
    CHECK(out[6].status.code() == status_code::invalid);
    CHECK(*typed::from_sx<condition>(*out[6].body).message == R"(:path id: expected integer, got "seven")");
    CHECK(out[7].status.code() == status_code::error);
    CHECK(type_of(out[7]) == "internal-error");
    CHECK(sx::canonical(*out[7].body).find("secret") == std::string::npos);  // nothing internal leaks
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].find("secret detail") != std::string::npos);
    srv.stop_accepting();
}

TEST_CASE("server: pipelined untagged requests are answered in order") {
    asio::io_context io;
    sxtp::server srv(io.get_executor());
    srv.handle<shop::get_item>([](const shop::item_ref& r, const no_body&, call_context&) -> shop::item { return {r.id, "x"}; });
    const auto port = srv.listen({asio::ip::make_address("127.0.0.1"), 0});
    std::vector<std::pair<request, bool>> reqs;
    // 100 is the default in-flight limit: all of them may be outstanding at once.
    for (int i = 0; i < 100; ++i) reqs.emplace_back(make(("(request :verb fetch :path \"/items/" + std::to_string(i) + "\")").c_str()), false);
    const auto out = exchange(io, port, reqs);
    REQUIRE(out.size() == 100);
    for (int i = 0; i < 100; ++i) {
        INFO(sx::canonical(*out[static_cast<std::size_t>(i)].body));
        CHECK(typed::from_sx<shop::item>(*out[static_cast<std::size_t>(i)].body).id == i);
    }
    srv.stop_accepting();
}

TEST_CASE("server: inspect answers from the endpoint types") {
    asio::io_context io;
    sxtp::server srv(io.get_executor());
    srv.handle<shop::get_item>([](const shop::item_ref& r, const no_body&, call_context&) -> shop::item { return {r.id, "x"}; });
    srv.handle<shop::add_item>([](const no_params&, const shop::item& it, call_context&) -> shop::item { return it; });
    const auto port = srv.listen({asio::ip::make_address("127.0.0.1"), 0});
    const auto out = exchange(io, port,
                              {{make(R"((request :verb inspect :path "/items/3"))"), false},
                               {make(R"((request :verb inspect :path "/items"))"), false},
                               {make(R"((request :verb inspect :path "/nowhere"))"), false}});
    REQUIRE(out.size() == 3);
    CHECK(out[0].status.code() == status_code::ok);
    CHECK(sx::canonical(*out[0].body) ==
          R"({:available-verbs (fetch inspect) :cache :none :params-schema {:id "integer"} :required-capabilities () )"
          R"(:result-schema {:id "integer" :name "string"} :streaming false})");
    CHECK(out[1].body->find("body-schema") != nullptr);
    CHECK(sx::canonical(*out[1].body->find("available-verbs")) == "(create inspect)");
    CHECK(out[2].status.code() == status_code::not_found);
    srv.stop_accepting();
}
