// Reads SX documents (files of top-level forms) and reports, for each, how
// many forms it holds, their canonical sizes and their content hashes.
//
// usage: read_documents FILE...
#include <sxtp/sx.hpp>
#include <sxtp/sx/hash.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace sx = sxtp::sx;

namespace {

// "(define example-navigate …)" is named by its second item; a bare atom by itself.
std::string describe(const sx::value& form) {
    if (!form.is_list() || form.empty()) return sx::canonical(form).substr(0, 40);
    std::string s = "(" + sx::canonical(form[0]);
    if (form.size() > 1 && form[1].is_atom()) s += " " + sx::canonical(form[1]);
    return s + (form.size() > 2 ? " …)" : ")");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: read_documents FILE...\n";
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        if (!in) {
            std::cerr << argv[i] << ": cannot open\n";
            status = 1;
            continue;
        }
        std::ostringstream text;
        text << in.rdbuf();
        auto forms = sx::try_read_all(text.str());
        if (!forms) {
            std::cerr << argv[i] << ": " << forms.error().message() << '\n';
            status = 1;
            continue;
        }
        std::size_t total = 0;
        std::cout << argv[i] << ": " << text.str().size() << " bytes, " << forms->size() << " top-level form"
                  << (forms->size() == 1 ? "" : "s") << '\n';
        for (const sx::value& f : *forms) {
            const std::size_t size = sx::canonical(f).size();
            total += size;
            std::printf("  %-44s %7zu bytes  %s\n", describe(f).c_str(), size, sx::content_hash(f).c_str());
        }
        std::cout << "  canonical total: " << total << " bytes\n\n";
    }
    return status;
}
