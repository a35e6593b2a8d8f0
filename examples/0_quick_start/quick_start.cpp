#include <sxtp/sxtp.hpp>

#include <boost/hana/define_struct.hpp>

#include <iostream>
#include <string>
#include <vector>

// C++ types are the schema: fields map to keywords (per_page is :per-page).
struct post {
    BOOST_HANA_DEFINE_STRUCT(post, (std::string, title), (std::vector<std::string>, tags), (int, per_page));
};

int main() {
    namespace sx = sxtp::sx;
    // Read one SX value; errors carry line:column and byte offset.
    const sx::value req = sx::read(R"((request :verb fetch :path "/blog/posts"
                                        :params {:per-page 20 :page 1}))");
    const sx::form_view form(req);
    std::cout << "verb: " << form.find("verb")->name() << '\n'
              << "per-page: " << form.find("params")->at("per-page").as_int() << '\n'
              << "canonical: " << sx::canonical(req) << '\n'
              << "hash: " << sx::content_hash(req) << '\n';

    // Build a value in C++; dict keys are kept in canonical order.
    using namespace sx::literals;
    const auto res = sx::value::list("response"_sym, "status"_kw, "ok"_sym, "body"_kw,
                                     sx::value::dict("title"_kw, "SXTP", "id"_kw, 42));
    std::cout << sx::pretty(res) << '\n';

    // Bad input is an error value (or, with sx::read, an exception), never a crash.
    if (auto bad = sx::try_read("{:a 1 :a 2}"); !bad)
        std::cout << "rejected: " << bad.error().message() << '\n';

    // Text straight into a struct and back; errors name the field path.
    const post p = sxtp::typed::read<post>(R"({:title "SXTP" :tags ("sx" "protocol") :per-page 20})");
    std::cout << p.title << ": " << sxtp::typed::canonical(p) << '\n';
    if (auto bad = sxtp::typed::try_read<post>(R"({:title "SXTP" :tags ("sx" 4) :per-page 20})"); !bad)
        std::cout << "rejected: " << bad.error().message() << '\n';
}
