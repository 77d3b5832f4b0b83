// /api/v1/folders (reference/hudu-api.md 3.8): knowledge-base and photo folders.
#include "api/crud.h"
#include "core/text.h"

namespace cairn::api {
namespace {

Status Apply(store::Tx& tx, const Ctx&, const json::object& body, Folder& f, bool creating,
             std::vector<std::string>& errors) {
  std::string type_before = f.folder_type;
  ApplyFields(body, f, errors);
  if (Trim(f.name).empty()) errors.push_back("name can't be blank");
  if (f.folder_type.empty()) f.folder_type = "article";
  if (f.folder_type != "article" && f.folder_type != "photo")
    errors.push_back("folder_type must be article or photo");
  if (!creating && f.folder_type != type_before)
    errors.push_back("folder_type cannot be changed after the folder is created");
  if (f.parent_folder_id) {
    if (*f.parent_folder_id == f.id) {
      errors.push_back("parent_folder_id cannot be the folder itself");
    } else {
      auto p = tx.Repo<Folder>().Get(*f.parent_folder_id);
      if (!p.ok())
        errors.push_back("parent_folder_id " + std::to_string(*f.parent_folder_id) +
                         " is not a folder");
      else if (p->company_id != f.company_id)
        errors.push_back("parent_folder_id belongs to another company");
      else if (!creating) {
        // Moving a folder under one of its own sub-folders would cut the branch off the tree.
        std::optional<int64_t> up = p->parent_folder_id;
        for (int depth = 0; up && depth < 1000; ++depth) {
          if (*up == f.id) {
            errors.push_back("parent_folder_id " + std::to_string(*f.parent_folder_id) +
                             " is inside this folder: a folder cannot be moved into its own sub-folder");
            break;
          }
          auto next = tx.Repo<Folder>().Get(*up);
          if (!next.ok()) break;
          up = next->parent_folder_id;
        }
      }
    }
  }
  return Status::Ok();
}

json::object Render(store::Tx&, const Ctx&, const Folder& f) { return ToJson(f); }

}  // namespace

void AddFolderRoutes(Routes& r) {
  auto spec = std::make_shared<CrudSpec<Folder>>();
  spec->base = "/api/v1/folders";
  spec->singular = "folder";
  spec->plural = "folders";
  spec->rights = "folders";
  spec->archive_routes = false;
  spec->filters = [](const Ctx& ctx, store::Query& q) -> Status {
    ExactFilters(ctx, q, {"name", "folder_type"});
    CAIRN_RETURN_IF_ERROR(IdFilters(ctx, q, {"company_id"}));
    if (auto v = ctx.Q("in_company"); v && !v->empty()) {
      auto b = AsBool(json::value(*v));
      if (!b) return Validation({"in_company must be true or false"});
      if (*b) q.Where("company_id", store::Op::kGe, int64_t{1});
      else q.Where("company_id", store::Op::kIsNull, Value());
    }
    return Status::Ok();
  };
  spec->apply = Apply;
  spec->render = Render;
  spec->company = [](const Folder& f) { return f.company_id; };
  spec->before_delete = [](store::Tx& tx, const Folder& f) -> Status {
    // Articles and sub-folders move up to the parent rather than disappear.
    auto articles = tx.Repo<Article>().List(store::Query().Where("folder_id", store::Op::kEq, f.id));
    if (!articles.ok()) return articles.status();
    for (auto a : *articles) {
      a.folder_id = f.parent_folder_id;
      CAIRN_RETURN_IF_ERROR(tx.Repo<Article>().Update(a).status());
    }
    auto children =
        tx.Repo<Folder>().List(store::Query().Where("parent_folder_id", store::Op::kEq, f.id));
    if (!children.ok()) return children.status();
    for (auto c : *children) {
      c.parent_folder_id = f.parent_folder_id;
      CAIRN_RETURN_IF_ERROR(tx.Repo<Folder>().Update(c).status());
    }
    return Status::Ok();
  };
  Crud<Folder>::AddRoutes(r, spec);
}

}  // namespace cairn::api
