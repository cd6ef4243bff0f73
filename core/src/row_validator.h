// Row validation: the template's rules applied to one record's values, normalisation,
// de-duplication on the key within the file, and matching against existing keys.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jsonl_reader.h"
#include "key_table.h"
#include "rowgate/session.h"

namespace rowgate::detail {

class FindingOut {
 public:
  virtual ~FindingOut() = default;
  virtual void emit(Finding&& finding) = 0;
};

/// One field of a record: its rules (fixed for the run) and its value in the current row.
struct Slot {
  std::string key;
  std::string label;
  FieldType type = FieldType::String;
  bool required = false;
  bool strict = false;
  std::uint64_t max_length = 0;
  const Field* field = nullptr;  ///< null for dynamic (pattern) slots
  int ref_set = -1;
  int key_part = -1;
  int unique_table = -1;         ///< a unique field that is not the whole key
  bool has_fixed = false;
  std::string fixed;
  int column = -1;               ///< the mapping entry that feeds this slot

  // The current row.
  bool present = false;
  bool bad_encoding = false;
  std::string_view problem_code;  ///< set_cell_problem: the finding the cell gives
  std::string problem_message;
  bool nul = false;
  std::size_t bad_offset = 0;
  bool repeated = false;
  int row_column = -1;
  JsonKind kind = JsonKind::String;
  std::string_view raw;
  std::string_view value;        ///< normalised when valid, else as given (trimmed)
  std::string norm;
  bool valid = true;
};

class RowValidator {
 public:
  RowValidator(const Template& tmpl, const Context& context, const Options& options, FindingOut& out);

  const Status& status() const { return status_; }
  Slot& slot(int index) { return slots_[static_cast<std::size_t>(index)]; }
  /// The slot of a dynamic column (customFields.tier), created on first use.
  int dynamic_slot(const std::string& key, int pattern);
  bool has_fixed(int field) const { return slots_[static_cast<std::size_t>(field)].has_fixed; }

  /// JSONL input: values carry JSON types, and typed fields must have the matching one.
  void set_json_input(bool json) { json_types_ = json; }

  void begin_row();
  /// Sets a slot's value for this row; false when the row already set it (a repeated key).
  bool set(int slot, int column, std::string_view value, JsonKind kind);
  void set_bad_encoding(int slot, int column, std::size_t offset, bool nul);
  /// A value the reader could not give (a workbook cell holding #N/A): the row fails with it.
  void set_cell_problem(int slot, int column, std::string_view code, std::string message);
  void duplicate_key(int slot);
  /// A person's edit of this row's value (Edits): replaces what the file gave, problems and all;
  /// an empty value leaves the slot without one.
  void edit(int slot, int column, std::string_view value);
  /// The slot of a field key or of a dynamic column already seen; -1 when none.
  int find_slot(std::string_view key) const;
  /// Checks the row, reports its findings and hands its result to on_outcome.
  void finish_row(std::uint64_t row, std::uint64_t line, const std::vector<MappingEntry>& mapping);
  /// A result for a row that could not be read (malformed, invalid JSON): outcome error.
  RecordResult& bare_result(std::uint64_t row, std::uint64_t line);

  std::function<void(const RecordResult&)> on_outcome;

 private:
  struct RefSet {
    std::vector<std::string> members;
    std::vector<std::uint32_t> table;  // open addressing on hash64: member index + 1, 0 = empty
    void build();
    bool contains(std::string_view value) const;
    std::unordered_map<std::string, std::size_t> folded;  // lower-cased -> member index
    /// The member a mistyped value most likely meant (lower-cased: one or two letters off, a
    /// unique nearest), or -1; remembered per value, since a file repeats its mistakes.
    int nearest(const std::string& lower);
    std::unordered_map<std::string, int> nearest_cache;
  };

  bool check(Slot& s, std::uint64_t row, std::uint64_t line, const std::vector<MappingEntry>& mapping);
  void report(const Slot& s, std::uint64_t row, std::uint64_t line, const std::vector<MappingEntry>& mapping,
              std::string_view code, std::string message, Severity severity = Severity::Error,
              std::string_view hint = {});
  /// Builds the row's key from its (checked) key fields; false when one is missing or invalid.
  bool build_key();

  const Template& tmpl_;
  FindingOut& out_;
  Status status_;
  bool want_values_;
  bool want_error_values_;
  bool json_types_ = false;
  std::vector<Slot> slots_;  // dynamic slots are added only between rows' checks, never during one
  std::vector<int> touched_dynamic_;
  std::vector<RefSet> ref_sets_;
  std::vector<int> key_slots_;
  KeyTable existing_;
  KeyTable seen_;
  std::vector<KeyTable> unique_tables_;
  std::string key_text_;
  std::uint64_t key_hash_ = 0;
  int last_key_field_ = -1;  ///< the key field that comes last in template order
  std::vector<std::string> key_parts_;
  RecordResult result_;
  std::string suggestion_;  ///< for the finding report() makes next
};

}  // namespace rowgate::detail
