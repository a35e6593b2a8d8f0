// Starts `spec_tour --listen sxtp://127.0.0.1:0`, sends each example request
// of seeds/spec.sx exactly as the document writes it (framed per SPEC §2), and
// compares the answers with the document's responses, the placeholders
// "sha3-…" replaced by the real content hashes of the bodies.
//
//   spec_tour_check SPEC_TOUR_BINARY SPEC_SX
//
// Exit 0 when all six match. subscribe must stream the document's head and
// event, then a heartbeat (its :time is the real time); it runs on a
// connection of its own, which it closes, since an untagged stream holds up
// the untagged answers after it. inspect may say more than the document
// (every key the document shows must be there with the same value).
#include <sxtp/sx.hpp>
#include <sxtp/sx/hash.hpp>
#include <sxtp/typed.hpp>
#include <sxtp/net/address.hpp>
#include <sxtp/wire.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace sxtp;

namespace {

int failures = 0;

void check(bool ok, const std::string& what, const std::string& got, const std::string& want) {
    if (ok) {
        std::cout << "ok   " << what << '\n';
        return;
    }
    ++failures;
    std::cout << "FAIL " << what << "\n  got:  " << got << "\n  want: " << want << '\n';
}

// The document's response with each :content-hash placeholder replaced by
// the body's real hash, and with what SPEC §8 adds to the document's
// examples (which predate it): a response with :cache carries its
// :content-hash, and a cached route's response (one with a :content-hash)
// says its :cache policy.
sx::value with_real_hash(sx::value res, const sx::value& got) {
    auto m = typed::from_sx<response>(res);
    const auto g = typed::from_sx<response>(got);
    if (m.headers && m.body && (m.headers->content_hash || m.headers->cache)) m.headers->content_hash = sx::content_hash(*m.body);
    if (m.headers && m.headers->content_hash && !m.headers->cache && g.headers && g.headers->cache &&
        g.headers->cache->name() != "none")
        m.headers->cache = g.headers->cache;
    return typed::to_sx(m);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: spec_tour_check SPEC_TOUR_BINARY SPEC_SX\n";
        return 2;
    }
    std::ifstream in(argv[2], std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const auto forms = sx::read_all(text.str());

    int out_pipe[2];
    if (pipe(out_pipe) != 0) return 2;
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out_pipe[1], 1);
        close(out_pipe[0]);
        execl(argv[1], argv[1], "--listen", "sxtp://127.0.0.1:0", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out_pipe[1]);
    alarm(60);  // a bound on the whole check
    std::string line;
    for (char c; read(out_pipe[0], &c, 1) == 1 && c != '\n';) line += c;
    std::cout << "spec_tour: " << line << '\n';
    const auto at = line.find("listening on ");
    if (at == std::string::npos) {
        kill(pid, SIGTERM);
        std::cerr << "spec_tour did not say where it listens\n";
        return 1;
    }
    const auto address = net::parse_address(line.substr(at + 13));
    if (!address) return 1;

    boost::asio::io_context io;
    struct peer {
        boost::asio::ip::tcp::socket socket;
        wire::frame_reader frames;
        void send(const sx::value& m) {
            std::string bytes;
            wire::write_frame(bytes, sx::canonical(m));
            boost::asio::write(socket, boost::asio::buffer(bytes));
        }
        sx::value receive() {
            for (;;) {
                auto f = frames.next();
                if (f.state == wire::frame::complete) return sx::read(f.payload);
                if (f.state == wire::frame::failed) throw std::runtime_error("bad frame from spec_tour");
                auto room = frames.prepare();
                frames.commit(socket.read_some(boost::asio::buffer(room.data(), room.size())));
            }
        }
    };
    auto connect = [&] {
        peer p{boost::asio::ip::tcp::socket(io), wire::frame_reader()};
        p.socket.connect({boost::asio::ip::make_address(address->host), address->port});
        return p;
    };
    peer main_peer = connect();
    auto exchange = [&](const sx::value& req) {
        main_peer.send(req);
        return main_peer.receive();
    };

    int examples = 0;
    for (const sx::value& f : forms) {
        if (!f.is_list() || f.size() != 3 || !f[0].is_symbol("define") || !f[1].is_symbol() || !f[1].name().starts_with("example-")) continue;
        const std::string name(f[1].name());
        const sx::value& exchange_form = f[2][1];  // (quote (REQUEST RESPONSE …))
        ++examples;
        if (name == "example-subscribe") {
            peer sub = connect();
            sub.send(exchange_form[0]);
            const sx::value head = sub.receive();
            check(head == exchange_form[1], name + " head", sx::canonical(head), sx::canonical(exchange_form[1]));
            const sx::value event = sub.receive();
            check(event == exchange_form[2], name + " event", sx::canonical(event), sx::canonical(exchange_form[2]));
            const auto beat = typed::from_sx<sxtp::event>(sub.receive());
            const bool ok = beat.type.name() == "heartbeat" && beat.time && *beat.time > 1711612860 && !beat.body;
            check(ok, name + " heartbeat (with the real time)", sx::canonical(typed::to_sx(beat)), sx::canonical(exchange_form[3]));
            continue;  // closing the connection ends the stream
        }
        const sx::value got = exchange(exchange_form[0]);
        const sx::value want = with_real_hash(exchange_form[1], got);
        if (name == "example-inspect") {
            const auto g = typed::from_sx<response>(got), w = typed::from_sx<response>(want);
            bool ok = g.status == w.status && g.body && g.body->is_dict();
            for (const auto& e : w.body->entries()) ok = ok && g.body->find(e.key) && *g.body->find(e.key) == e.val;
            check(ok, name + " (every key the document shows)", sx::canonical(got), sx::canonical(want));
            continue;
        }
        check(sx::canonical(got) == sx::canonical(want), name, sx::canonical(got), sx::canonical(want));
        if (name == "example-navigate") {
            // SPEC §8: the same request with :if-match equal to the hash: not-modified, no body.
            auto again = typed::from_sx<request>(exchange_form[0]);
            const auto first = typed::from_sx<response>(got);
            if (!again.headers) again.headers.emplace();
            again.headers->if_match = first.headers ? first.headers->content_hash.value_or("") : "";
            const sx::value nm = exchange(typed::to_sx(again));
            const std::string expected = "(response :status not-modified :headers {:content-hash " +
                                         sx::canonical(sx::value(*again.headers->if_match)) + "})";
            check(sx::canonical(nm) == expected, name + " with an equal :if-match", sx::canonical(nm), expected);
        }
    }
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    check(examples == 6, "six examples found", std::to_string(examples), "6");
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "spec_tour drains and exits 0 on SIGTERM", std::to_string(status), "0");
    return failures == 0 ? 0 : 1;
}
