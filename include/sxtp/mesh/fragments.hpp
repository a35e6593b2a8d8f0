// sxtp/mesh/fragments.hpp — fragments with component definitions (SPEC §11,
// seed 002). A component is `(defcomp ~name (&key …) body…)`; content uses a
// component by a list whose head is its `~name` symbol. A provider answers a
// `(fragment-request :components (~a ~b …))` with
//
//   (fragment-response :defs (DEFCOMP…) :content CONTENT)
//
// where :defs holds exactly the definitions the content uses — directly or
// through other components' bodies — that the caller did not list. The
// caller adds them to its registry, so an identical second request lists
// them and gets `:defs ()`. Walks are iterative (any depth).
#ifndef SXTP_MESH_FRAGMENTS_HPP
#define SXTP_MESH_FRAGMENTS_HPP

#include <sxtp/sx/form.hpp>
#include <sxtp/sx/printer.hpp>
#include <sxtp/sx/value.hpp>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sxtp::mesh {

class component_registry {
public:
    /// Adds (or replaces) a definition. Throws std::invalid_argument for a
    /// form that is not `(defcomp ~name (PARAMS…) BODY…)`.
    void add(sx::value defcomp) {
        const std::string name = name_of(defcomp);
        if (name.empty())
            throw std::invalid_argument("sxtp: a component definition is (defcomp ~name (&key …) body…), got " + sx::canonical(defcomp));
        defs_.insert_or_assign(name, std::move(defcomp));
    }
    /// Adds every definition of a `:defs` list; false (nothing added) when one is malformed.
    bool add_all(const sx::value& defs) {
        if (defs.is_nil()) return true;
        if (!defs.is_list()) return false;
        for (const auto& d : defs.items())
            if (name_of(d).empty()) return false;
        for (const auto& d : defs.items()) add(d);
        return true;
    }
    bool has(std::string_view name) const { return defs_.count(std::string(name)) != 0; }
    const sx::value* find(std::string_view name) const {
        const auto it = defs_.find(std::string(name));
        return it == defs_.end() ? nullptr : &it->second;
    }
    std::size_t size() const noexcept { return defs_.size(); }

    /// `(~a ~b …)`: the names this registry has (what a fragment request lists).
    sx::value names() const {
        sx::value l = sx::value::make_list();
        for (const auto& [n, d] : defs_) l.push_back(sx::value::make_symbol_unchecked(n));
        return l;
    }

    /// The definitions `content` uses, directly or through other
    /// definitions, that are not in `known` — in name order. Components
    /// this registry does not have are skipped (and reported in `unknown`).
    std::vector<sx::value> needed(const sx::value& content, const std::set<std::string>& known, std::set<std::string>* unknown = nullptr) const {
        std::set<std::string> seen;
        std::vector<const sx::value*> pending{&content};
        while (!pending.empty()) {
            const sx::value* v = pending.back();
            pending.pop_back();
            if (!v->is_list() && !v->is_dict()) continue;
            if (v->is_dict()) {
                for (const auto& e : v->entries()) pending.push_back(&e.val);
                continue;
            }
            if (!v->empty() && (*v)[0].is_symbol()) {
                const std::string_view head = (*v)[0].name();
                if (head.starts_with('~') && seen.insert(std::string(head)).second) {
                    if (const sx::value* def = find(head)) {
                        for (std::size_t i = 3; i < def->size(); ++i) pending.push_back(&(*def)[i]);  // its body uses others
                    } else if (unknown) {
                        unknown->insert(std::string(head));
                    }
                }
            }
            for (const auto& item : v->items()) pending.push_back(&item);
        }
        std::vector<sx::value> out;
        for (const auto& name : seen)
            if (!known.count(name))
                if (const sx::value* def = find(name)) out.push_back(*def);
        return out;
    }

    /// The answer to a fragment request body (`(fragment-request :components
    /// (…) …)`, or nil) for `content`.
    sx::value respond(const sx::value& request_body, sx::value content) const {
        std::set<std::string> known;
        if (request_body.is_list()) {
            sx::form_view f(request_body);
            if (const sx::value* c = f.find("components"); c && c->is_list())
                for (const auto& s : c->items())
                    if (s.is_symbol()) known.insert(std::string(s.name()));
        }
        sx::value defs = sx::value::make_list();
        for (auto& d : needed(content, known)) defs.push_back(std::move(d));
        return sx::value::list(sx::value::make_symbol_unchecked("fragment-response"), sx::value::make_keyword_unchecked("defs"), std::move(defs),
                               sx::value::make_keyword_unchecked("content"), std::move(content));
    }

    /// A fragment request listing what this registry has.
    sx::value request(sx::value params = sx::value()) const {
        sx::value r = sx::value::list(sx::value::make_symbol_unchecked("fragment-request"), sx::value::make_keyword_unchecked("components"), names());
        if (!params.is_nil()) {
            r.push_back(sx::value::make_keyword_unchecked("params"));
            r.push_back(std::move(params));
        }
        return r;
    }

    /// Takes a fragment response: adds its :defs, returns its :content.
    /// Throws std::invalid_argument for a body that is not a fragment response.
    sx::value accept(const sx::value& response_body) {
        if (!response_body.is_list() || response_body.empty() || !response_body[0].is_symbol("fragment-response"))
            throw std::invalid_argument("sxtp: expected (fragment-response :defs (…) :content …)");
        sx::form_view f(response_body);
        const sx::value* defs = f.find("defs");
        if (defs && !add_all(*defs)) throw std::invalid_argument("sxtp: a fragment response's :defs holds something that is not a defcomp");
        const sx::value* content = f.find("content");
        return content ? *content : sx::value();
    }

    /// The `~name` of a `(defcomp ~name (…) …)` form, or "" when it is not one.
    static std::string name_of(const sx::value& d) {
        if (!d.is_list() || d.size() < 3 || !d[0].is_symbol("defcomp") || !d[1].is_symbol() || !d[1].name().starts_with('~') || !d[2].is_list())
            return {};
        return std::string(d[1].name());
    }

private:
    std::map<std::string, sx::value> defs_;
};

} // namespace sxtp::mesh

#endif
