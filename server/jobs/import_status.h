// An import's status and the moves between them. The names are the stable strings of the REST
// API and of the stores' `status` column; nothing else spells them.
//
//   uploading ──start──► queued ──a runner takes it──► validating (dry run) ─┬─► done
//       │                  │                            committing          ├─► failed
//       └──cancel──────────┴──cancel──► cancelled ◄──cancel, seen by the run─┘
//
// A running import that a restarted (or another) server resumes enters its phase again, and an
// import that cannot run at all (a store error before it began) fails from the queue.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace rowgate::server {

enum class ImportStatus { Uploading, Queued, Validating, Committing, Done, Failed, Cancelled };

inline constexpr ImportStatus kImportStatuses[] = {ImportStatus::Uploading, ImportStatus::Queued,  ImportStatus::Validating,
                                                   ImportStatus::Committing, ImportStatus::Done,  ImportStatus::Failed,
                                                   ImportStatus::Cancelled};

/// The status's stable name ("uploading", "queued", ...), as the API and the stores spell it.
constexpr std::string_view status_name(ImportStatus status) {
  switch (status) {
    case ImportStatus::Uploading: return "uploading";
    case ImportStatus::Queued: return "queued";
    case ImportStatus::Validating: return "validating";
    case ImportStatus::Committing: return "committing";
    case ImportStatus::Done: return "done";
    case ImportStatus::Failed: return "failed";
    case ImportStatus::Cancelled: return "cancelled";
  }
  return "failed";
}

/// The status a stable name names; nullopt for any other text.
constexpr std::optional<ImportStatus> parse_import_status(std::string_view name) {
  for (ImportStatus s : kImportStatuses)
    if (status_name(s) == name) return s;
  return std::nullopt;
}

/// Validating or committing: a runner is working on it.
constexpr bool is_running(ImportStatus s) { return s == ImportStatus::Validating || s == ImportStatus::Committing; }

/// Queued or running: a runner takes it (up again after a restart or a lost lease).
constexpr bool is_unfinished(ImportStatus s) { return s == ImportStatus::Queued || is_running(s); }

/// Done, failed or cancelled: nothing changes it any more, and its report files may exist.
constexpr bool has_ended(ImportStatus s) {
  return s == ImportStatus::Done || s == ImportStatus::Failed || s == ImportStatus::Cancelled;
}

/// Cancelled at once by a cancel request (a running import is cancelled by its run instead).
constexpr bool cancels_at_once(ImportStatus s) { return s == ImportStatus::Uploading || s == ImportStatus::Queued; }

/// The phase a run of the import is in: validating for a dry run, committing otherwise.
constexpr ImportStatus running_phase(bool dry_run) { return dry_run ? ImportStatus::Validating : ImportStatus::Committing; }

/// Whether an import may move from `from` to `to`.
constexpr bool may_move(ImportStatus from, ImportStatus to) {
  switch (to) {
    case ImportStatus::Uploading: return false;
    case ImportStatus::Queued: return from == ImportStatus::Uploading;
    case ImportStatus::Validating:
    case ImportStatus::Committing: return is_unfinished(from);
    case ImportStatus::Done: return is_running(from);
    case ImportStatus::Failed: return is_unfinished(from);
    case ImportStatus::Cancelled: return cancels_at_once(from) || is_running(from);
  }
  return false;
}

/// Every status for which `holds(status)` is true, in the enum's order (the `from` of a
/// conditional move, such as Store::set_status's).
template <class Predicate>
std::vector<ImportStatus> statuses_where(Predicate holds) {
  std::vector<ImportStatus> out;
  for (ImportStatus s : kImportStatuses)
    if (holds(s)) out.push_back(s);
  return out;
}

/// The statuses an import may move to `to` from.
inline std::vector<ImportStatus> sources_of(ImportStatus to) {
  return statuses_where([to](ImportStatus from) { return may_move(from, to); });
}

}  // namespace rowgate::server
