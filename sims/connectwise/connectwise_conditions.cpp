#include "sims/connectwise/connectwise_conditions.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <utility>

#include "sims/common/util.h"

namespace cairn::sims::connectwise {

namespace json = boost::json;

struct Literal {
  enum class Kind { kString, kNumber, kBool, kNull, kDateTime } kind = Kind::kNull;
  std::string text;  // lower-cased for strings
  double number = 0;
  bool boolean = false;
  int64_t ms = 0;
};

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kLike, kContains, kIn };

namespace {

// The server's explanation of literals, which ends every literal error it sends [reference A5].
constexpr char kLiteralHelp[] =
    "String values should be enclosed with double or single quotes; DateTime values should be "
    "enclosed in square brackets; numbers should consist of only digits, and optionally a decimal "
    "point and a negation sign; boolean values should be indicated with the keywords true or "
    "false; null values should be indicated by the keyword null.";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

enum class Tok { kEnd, kLParen, kRParen, kComma, kOp, kWord, kString, kNumber, kDateTime, kBad };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // operator, word, string contents, number or datetime text
  size_t at = 0;     // offset in the input
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token Next() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    Token t;
    t.at = i_;
    if (i_ >= s_.size()) return t;
    char c = s_[i_];
    if (c == '(' || c == ')' || c == ',') {
      t.kind = c == '(' ? Tok::kLParen : c == ')' ? Tok::kRParen : Tok::kComma;
      t.text = std::string(1, c);
      ++i_;
      return t;
    }
    if (c == '=' || c == '<' || c == '>' || c == '!') {
      t.kind = Tok::kOp;
      t.text = std::string(1, c);
      ++i_;
      if (i_ < s_.size() && s_[i_] == '=') t.text += s_[i_++];
      if (t.text == "!") t.kind = Tok::kBad;
      return t;
    }
    if (c == '"' || c == '\'') {
      // A quote inside a string is escaped with a backslash or doubled (uncertain which the
      // server takes; both are accepted here).
      ++i_;
      while (i_ < s_.size()) {
        char d = s_[i_++];
        if (d == '\\' && i_ < s_.size()) {
          t.text += s_[i_++];
        } else if (d == c) {
          if (i_ < s_.size() && s_[i_] == c) {
            t.text += c;
            ++i_;
          } else {
            t.kind = Tok::kString;
            return t;
          }
        } else {
          t.text += d;
        }
      }
      t.kind = Tok::kBad;  // unterminated
      return t;
    }
    if (c == '[') {
      size_t end = s_.find(']', i_);
      if (end == std::string_view::npos) {
        t.kind = Tok::kBad;
        i_ = s_.size();
        return t;
      }
      t.kind = Tok::kDateTime;
      t.text = std::string(s_.substr(i_ + 1, end - i_ - 1));
      i_ = end + 1;
      return t;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.') {
      size_t start = i_++;
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) ++i_;
      t.text = std::string(s_.substr(start, i_ - start));
      // A number runs into a letter ("12ab"): not a literal the server accepts.
      bool run_on = i_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_');
      t.kind = run_on ? Tok::kBad : Tok::kNumber;
      return t;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i_;
      while (i_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '/'))
        ++i_;
      t.kind = Tok::kWord;
      t.text = std::string(s_.substr(start, i_ - start));
      return t;
    }
    t.kind = Tok::kBad;
    t.text = std::string(1, c);
    ++i_;
    return t;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

const char* KindWord(Literal::Kind k) {
  switch (k) {
    case Literal::Kind::kString:
      return "string";
    case Literal::Kind::kNumber:
      return "numeric";
    case Literal::Kind::kBool:
      return "boolean";
    case Literal::Kind::kNull:
      return "null";
    case Literal::Kind::kDateTime:
      return "datetime";
  }
  return "unknown";
}

const char* TypeWord(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "string";
    case FieldType::kNumber:
      return "numeric";
    case FieldType::kBool:
      return "boolean";
    case FieldType::kDateTime:
      return "datetime";
  }
  return "unknown";
}

bool LikeMatch(std::string_view s, std::string_view p) {
  // Iterative wildcard match with backtracking to the last '%'.
  size_t si = 0, pi = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '%' || p[pi] == '*')) {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && (p[pi] == '%' || p[pi] == '*')) ++pi;
  return pi == p.size();
}

}  // namespace

struct Node {
  enum class Kind { kAnd, kOr, kNot, kCompare } kind = Kind::kCompare;
  std::vector<std::shared_ptr<const Node>> kids;
  // kCompare:
  std::string path;
  FieldType type = FieldType::kString;
  Op op = Op::kEq;
  bool negate = false;  // not like / not contains / not in
  std::vector<Literal> values;
};

std::optional<int64_t> ParseIsoMs(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  int n = 0;
  std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return std::nullopt;
  size_t i = 10;
  if (i < text.size() && (text[i] == 'T' || text[i] == 't' || text[i] == ' ')) {
    int m = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &m) != 3 || m != 8)
      return std::nullopt;
    i += 9;
  }
  int64_t frac_ms = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (digits < 3) frac_ms = frac_ms * 10 + (text[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 3; ++k) frac_ms *= 10;
  }
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) ++i;
  if (i != text.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + frac_ms;
}

const json::value* FindPath(const json::object& record, std::string_view path) {
  const json::object* obj = &record;
  const json::value* v = nullptr;
  while (true) {
    size_t slash = path.find('/');
    std::string_view head = path.substr(0, slash);
    auto it = obj->find(head);
    if (it == obj->end()) return nullptr;
    v = &it->value();
    if (slash == std::string_view::npos) return v;
    if (!v->is_object()) return nullptr;
    obj = &v->get_object();
    path.remove_prefix(slash + 1);
  }
}

std::optional<std::string> ResolveField(const Schema& schema, std::string_view path) {
  // Field names are case-insensitive at the server (uncertain); match the schema's spelling.
  for (const auto& [name, type] : schema)
    if (name.size() == path.size() && Lower(name) == Lower(path)) return name;
  std::string l = Lower(path);
  if (l == "lastupdated" || l == "dateentered" || l == "updatedby" || l == "enteredby") {
    std::string aliased = "_info/" + std::string(l == "lastupdated"   ? "lastUpdated"
                                                 : l == "dateentered" ? "dateEntered"
                                                 : l == "updatedby"   ? "updatedBy"
                                                                      : "enteredBy");
    if (schema.count(aliased)) return aliased;
  }
  return std::nullopt;
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, const Schema& schema) : lex_(text), schema_(schema) { Advance(); }

  Result<std::shared_ptr<const Node>> Parse() {
    auto root = Expr();
    if (!root.ok()) return root.status();
    if (cur_.kind != Tok::kEnd) return Syntax("unexpected '" + cur_.text + "'");
    return root;
  }

  std::vector<std::string> paths;

 private:
  void Advance() { cur_ = lex_.Next(); }
  bool IsWord(std::string_view w) const { return cur_.kind == Tok::kWord && Lower(cur_.text) == w; }

  Status Syntax(const std::string& what) const {
    return Status::Invalid("Invalid conditions at position " + std::to_string(cur_.at) + ": " + what + ".");
  }
  Status LiteralError(FieldType want, const std::string& got) const {
    return Status::Invalid(std::string("Expected a ") + TypeWord(want) + " value, not a " + got + ". " +
                           kLiteralHelp);
  }

  Result<std::shared_ptr<const Node>> Expr() {
    // Precedence: `and` over `or`, as in SQL.
    std::vector<std::shared_ptr<const Node>> ors;
    while (true) {
      std::vector<std::shared_ptr<const Node>> ands;
      while (true) {
        auto t = Term();
        if (!t.ok()) return t.status();
        ands.push_back(std::move(*t));
        if (!IsWord("and")) break;
        Advance();
      }
      if (ands.size() == 1) {
        ors.push_back(std::move(ands[0]));
      } else {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::kAnd;
        n->kids = std::move(ands);
        ors.push_back(std::move(n));
      }
      if (!IsWord("or")) break;
      Advance();
    }
    if (ors.size() == 1) return ors[0];
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::kOr;
    n->kids = std::move(ors);
    return std::shared_ptr<const Node>(std::move(n));
  }

  Result<std::shared_ptr<const Node>> Term() {
    if (IsWord("not")) {
      Advance();
      auto inner = Term();
      if (!inner.ok()) return inner.status();
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::kNot;
      n->kids.push_back(std::move(*inner));
      return std::shared_ptr<const Node>(std::move(n));
    }
    if (cur_.kind == Tok::kLParen) {
      Advance();
      auto inner = Expr();
      if (!inner.ok()) return inner.status();
      if (cur_.kind != Tok::kRParen) return Syntax("expected ')'");
      Advance();
      return inner;
    }
    return Comparison();
  }

  Result<std::shared_ptr<const Node>> Comparison() {
    if (cur_.kind != Tok::kWord) {
      if (cur_.kind == Tok::kEnd) return Syntax("expected a field name");
      return Syntax("expected a field name, not '" + cur_.text + "'");
    }
    auto field = ResolveField(schema_, cur_.text);
    if (!field) return Status::Invalid("Unknown field '" + cur_.text + "' in conditions.");
    auto n = std::make_shared<Node>();
    n->path = *field;
    n->type = schema_.at(*field);
    paths.push_back(*field);
    Advance();
    if (IsWord("not")) {
      n->negate = true;
      Advance();
    }
    if (cur_.kind == Tok::kOp && !n->negate) {
      const std::string& o = cur_.text;
      n->op = o == "="    ? Op::kEq
              : o == "!=" ? Op::kNe
              : o == "<"  ? Op::kLt
              : o == "<=" ? Op::kLe
              : o == ">"  ? Op::kGt
              : o == ">=" ? Op::kGe
                          : Op::kEq;
      if (o == "==") return Syntax("unknown operator '=='");
      Advance();
      auto v = Value(n->type);
      if (!v.ok()) return v.status();
      n->values.push_back(std::move(*v));
      return std::shared_ptr<const Node>(std::move(n));
    }
    if (IsWord("like") || IsWord("contains")) {
      n->op = IsWord("like") ? Op::kLike : Op::kContains;
      Advance();
      if (cur_.kind != Tok::kString) {
        if (cur_.kind == Tok::kNumber) return LiteralError(FieldType::kString, "numeric");
        return LiteralError(FieldType::kString, "'" + cur_.text + "'");
      }
      if (n->type != FieldType::kString) return LiteralError(n->type, "string");
      Literal l;
      l.kind = Literal::Kind::kString;
      l.text = Lower(cur_.text);
      n->values.push_back(std::move(l));
      Advance();
      return std::shared_ptr<const Node>(std::move(n));
    }
    if (IsWord("in")) {
      n->op = Op::kIn;
      Advance();
      if (cur_.kind != Tok::kLParen) return Syntax("expected '(' after in");
      Advance();
      while (true) {
        auto v = Value(n->type);
        if (!v.ok()) return v.status();
        n->values.push_back(std::move(*v));
        if (cur_.kind == Tok::kComma) {
          Advance();
          continue;
        }
        if (cur_.kind != Tok::kRParen) return Syntax("expected ',' or ')' in the in list");
        Advance();
        break;
      }
      return std::shared_ptr<const Node>(std::move(n));
    }
    if (cur_.kind == Tok::kEnd) return Syntax("expected an operator after '" + n->path + "'");
    return Syntax("expected an operator, not '" + cur_.text + "'");
  }

  Result<Literal> Value(FieldType want) {
    Literal l;
    switch (cur_.kind) {
      case Tok::kString:
        l.kind = Literal::Kind::kString;
        l.text = Lower(cur_.text);
        break;
      case Tok::kNumber: {
        l.kind = Literal::Kind::kNumber;
        char* end = nullptr;
        l.number = std::strtod(cur_.text.c_str(), &end);
        if (end != cur_.text.c_str() + cur_.text.size()) return LiteralError(want, "'" + cur_.text + "'");
        break;
      }
      case Tok::kDateTime: {
        auto ms = ParseIsoMs(cur_.text);
        if (!ms) return LiteralError(want, "'[" + cur_.text + "]'");
        l.kind = Literal::Kind::kDateTime;
        l.ms = *ms;
        break;
      }
      case Tok::kWord: {
        std::string w = Lower(cur_.text);
        if (w == "true" || w == "false") {
          l.kind = Literal::Kind::kBool;
          l.boolean = w == "true";
        } else if (w == "null") {
          l.kind = Literal::Kind::kNull;
        } else {
          return LiteralError(want, "'" + cur_.text + "'");
        }
        break;
      }
      case Tok::kEnd:
        return LiteralError(want, "missing value");
      default:
        return LiteralError(want, "'" + cur_.text + "'");
    }
    bool fits = l.kind == Literal::Kind::kNull ||
                (want == FieldType::kString && l.kind == Literal::Kind::kString) ||
                (want == FieldType::kNumber && l.kind == Literal::Kind::kNumber) ||
                (want == FieldType::kBool && l.kind == Literal::Kind::kBool) ||
                (want == FieldType::kDateTime && l.kind == Literal::Kind::kDateTime);
    if (!fits) return LiteralError(want, KindWord(l.kind));
    Advance();
    return l;
  }

  Lexer lex_;
  const Schema& schema_;
  Token cur_;
};

// Three-way comparison of a record's value with a literal of the field's type; nullopt when the
// value is missing, null or of another type (SQL's unknown: the term is false).
std::optional<int> Compare(const json::value& v, FieldType type, const Literal& l) {
  switch (type) {
    case FieldType::kString: {
      if (!v.is_string()) return std::nullopt;
      std::string s = Lower(std::string_view(v.get_string()));
      return s < l.text ? -1 : s > l.text ? 1 : 0;
    }
    case FieldType::kNumber: {
      double d;
      if (v.is_int64())
        d = static_cast<double>(v.get_int64());
      else if (v.is_uint64())
        d = static_cast<double>(v.get_uint64());
      else if (v.is_double())
        d = v.get_double();
      else
        return std::nullopt;
      return d < l.number ? -1 : d > l.number ? 1 : 0;
    }
    case FieldType::kBool:
      if (!v.is_bool()) return std::nullopt;
      return static_cast<int>(v.get_bool()) - static_cast<int>(l.boolean);
    case FieldType::kDateTime: {
      if (!v.is_string()) return std::nullopt;
      auto ms = ParseIsoMs(std::string_view(v.get_string()));
      if (!ms) return std::nullopt;
      return *ms < l.ms ? -1 : *ms > l.ms ? 1 : 0;
    }
  }
  return std::nullopt;
}

bool Eval(const Node& n, const json::object& record) {
  switch (n.kind) {
    case Node::Kind::kAnd:
      for (const auto& k : n.kids)
        if (!Eval(*k, record)) return false;
      return true;
    case Node::Kind::kOr:
      for (const auto& k : n.kids)
        if (Eval(*k, record)) return true;
      return false;
    case Node::Kind::kNot:
      return !Eval(*n.kids[0], record);
    case Node::Kind::kCompare:
      break;
  }
  const json::value* v = FindPath(record, n.path);
  bool is_null = v == nullptr || v->is_null();
  if (n.op == Op::kEq || n.op == Op::kNe) {
    const Literal& l = n.values[0];
    if (l.kind == Literal::Kind::kNull) return (n.op == Op::kEq) == is_null;
    if (is_null) return false;
    auto c = Compare(*v, n.type, l);
    if (!c) return false;
    return (n.op == Op::kEq) == (*c == 0);
  }
  if (n.op == Op::kIn) {
    bool found = false;
    for (const Literal& l : n.values) {
      if (l.kind == Literal::Kind::kNull) {
        found = found || is_null;
      } else if (!is_null) {
        auto c = Compare(*v, n.type, l);
        found = found || (c && *c == 0);
      }
    }
    if (is_null && !found) return false;
    return found != n.negate;
  }
  if (is_null) return false;
  const Literal& l = n.values[0];
  if (n.op == Op::kLike || n.op == Op::kContains) {
    if (!v->is_string()) return false;
    std::string s = Lower(std::string_view(v->get_string()));
    bool hit = n.op == Op::kLike ? LikeMatch(s, l.text) : s.find(l.text) != std::string::npos;
    return hit != n.negate;
  }
  if (l.kind == Literal::Kind::kNull) return false;
  auto c = Compare(*v, n.type, l);
  if (!c) return false;
  switch (n.op) {
    case Op::kLt:
      return *c < 0;
    case Op::kLe:
      return *c <= 0;
    case Op::kGt:
      return *c > 0;
    case Op::kGe:
      return *c >= 0;
    default:
      return false;
  }
}

void Hints(const Node& n, std::optional<int64_t>* updated, std::optional<int64_t>* company) {
  if (n.kind == Node::Kind::kAnd) {
    for (const auto& k : n.kids) Hints(*k, updated, company);
    return;
  }
  if (n.kind != Node::Kind::kCompare || n.negate || n.values.size() != 1) return;
  const Literal& l = n.values[0];
  if (n.path == "_info/lastUpdated" && l.kind == Literal::Kind::kDateTime &&
      (n.op == Op::kGt || n.op == Op::kGe)) {
    // A match's stamp is at least this (the rendered stamp drops milliseconds, never adds).
    int64_t least = n.op == Op::kGt ? l.ms + 1 : l.ms;
    *updated = std::max(updated->value_or(least), least);
  }
  if (n.path == "company/id" && n.op == Op::kEq && l.kind == Literal::Kind::kNumber &&
      l.number == std::floor(l.number))
    *company = static_cast<int64_t>(l.number);
}

}  // namespace

Result<Conditions> Conditions::Parse(std::string_view text, const Schema& schema) {
  Parser p(text, schema);
  auto root = p.Parse();
  if (!root.ok()) return root.status();
  Conditions c;
  c.root_ = std::move(*root);
  Hints(*c.root_, &c.updated_at_least_ms_, &c.company_id_);
  return c;
}

bool Conditions::Matches(const json::object& record) const { return !root_ || Eval(*root_, record); }

Result<ArrayConditions> ArrayConditions::ParseChild(std::string_view text, const Schema& schema) {
  Parser p(text, schema);
  auto root = p.Parse();
  if (!root.ok()) return root.status();
  ArrayConditions a;
  for (const std::string& path : p.paths) {
    size_t slash = path.find('/');
    std::string head = path.substr(0, slash);
    if (slash == std::string::npos || (!a.array_.empty() && head != a.array_))
      return Status::Invalid("childConditions must name fields of one child collection.");
    a.array_ = head;
  }
  a.prefixed_ = true;
  a.conditions_.root_ = std::move(*root);
  return a;
}

Result<ArrayConditions> ArrayConditions::ParseCustomField(std::string_view text) {
  static const Schema* kCustomField = new Schema{{"id", FieldType::kNumber},
                                                 {"caption", FieldType::kString},
                                                 {"type", FieldType::kString},
                                                 {"entryMethod", FieldType::kString},
                                                 {"numberOfDecimals", FieldType::kNumber},
                                                 {"value", FieldType::kString}};
  Parser p(text, *kCustomField);
  auto root = p.Parse();
  if (!root.ok()) return root.status();
  ArrayConditions a;
  a.array_ = "customFields";
  a.conditions_.root_ = std::move(*root);
  return a;
}

bool ArrayConditions::Matches(const json::object& record) const {
  auto it = record.find(array_);
  if (it == record.end() || !it->value().is_array()) return false;
  for (const json::value& member : it->value().get_array()) {
    if (!member.is_object()) continue;
    if (prefixed_) {
      json::object wrapped;
      wrapped[array_] = member;
      if (conditions_.Matches(wrapped)) return true;
    } else if (conditions_.Matches(member.get_object())) {
      return true;
    }
  }
  return false;
}

}  // namespace cairn::sims::connectwise
