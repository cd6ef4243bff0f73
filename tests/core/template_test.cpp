// Tests for templates (core/include/rowgate/template.h): the built-ins load with their keys,
// header case and field types; a bad template is an error that names the bad key (and never a
// crash); "extends" overlays a built-in.
#include "rowgate/template.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using rowgate::builtin_template;
using rowgate::builtin_templates;
using rowgate::Field;
using rowgate::FieldType;
using rowgate::field_type_name;
using rowgate::MatchMode;
using rowgate::parse_template;
using rowgate::Template;
using rowgate::TemplateLoad;
using rowgate::UnknownColumns;

// "key:type" for each field, in order, with "!" for required and "*" for unique.
std::vector<std::string> field_summary(const Template& t) {
  std::vector<std::string> out;
  for (const Field& f : t.fields)
    out.push_back(f.key + ":" + std::string(field_type_name(f.type)) + (f.required ? "!" : "") + (f.unique ? "*" : ""));
  return out;
}

std::vector<std::string> key_of(const Template& t) {
  std::vector<std::string> out;
  for (std::uint32_t k : t.key) out.push_back(t.fields.at(k).key);
  return out;
}

const Field& field(const Template& t, std::string_view key) {
  int i = t.find_field(key);
  EXPECT_GE(i, 0) << key;
  return t.fields.at(static_cast<std::size_t>(i < 0 ? 0 : i));
}

// ---- Built-ins ------------------------------------------------------------------------------------

TEST(BuiltinTemplates, AreTheFourKnownOnes) {
  std::vector<std::string> names;
  for (const auto& b : builtin_templates()) names.emplace_back(b.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"leads", "participants", "partners_update", "prospects"}));
}

TEST(BuiltinTemplates, EveryOneLoadsUnderItsName) {
  for (const auto& b : builtin_templates()) {
    TemplateLoad load = builtin_template(b.name);
    ASSERT_TRUE(load.ok) << b.name << ": " << load.error;
    EXPECT_EQ(load.value.name, b.name);
    EXPECT_FALSE(load.value.title.empty()) << b.name;
    for (const Field& f : load.value.fields) EXPECT_FALSE(f.label.empty()) << b.name << " " << f.key;
  }
}

TEST(BuiltinTemplates, UnknownNameIsAnError) {
  TemplateLoad load = builtin_template("prospect");
  EXPECT_FALSE(load.ok);
  EXPECT_NE(load.error.find("\"prospect\""), std::string::npos) << load.error;
}

TEST(BuiltinTemplates, Prospects) {
  TemplateLoad load = builtin_template("prospects");
  ASSERT_TRUE(load.ok) << load.error;
  const Template& t = load.value;
  EXPECT_EQ(key_of(t), std::vector<std::string>{"Contact Email"});
  EXPECT_FALSE(t.header_case_sensitive);
  EXPECT_EQ(t.unknown_columns, UnknownColumns::Warn);
  EXPECT_EQ(t.match, MatchMode::CreateOrUpdate);
  EXPECT_EQ(field_summary(t), (std::vector<std::string>{
                                  "Partner Name:string!", "Contact Email:email!*", "Media Property:url!",
                                  "Group Name:reference", "Contact First Name:string", "Contact Last Name:string",
                                  "Description:string", "Partner ID:integer", "Country:country"}));
  EXPECT_EQ(field(t, "Group Name").ref, "groups");
  EXPECT_EQ(field(t, "Partner Name").max_length, 255u);
  EXPECT_EQ(field(t, "Media Property").max_length, 2048u);
  EXPECT_EQ(field(t, "Contact Email").label, "Contact Email");  // defaults to the key
  const auto& aliases = field(t, "Contact Email").aliases;
  EXPECT_NE(std::find(aliases.begin(), aliases.end(), "E-mail"), aliases.end());
  EXPECT_TRUE(t.patterns.empty());
}

TEST(BuiltinTemplates, Participants) {
  TemplateLoad load = builtin_template("participants");
  ASSERT_TRUE(load.ok) << load.error;
  const Template& t = load.value;
  EXPECT_EQ(key_of(t), (std::vector<std::string>{"accountId", "id"}));
  EXPECT_TRUE(t.header_case_sensitive);
  EXPECT_EQ(t.match, MatchMode::CreateOrUpdate);
  EXPECT_EQ(field_summary(t),
            (std::vector<std::string>{"accountId:string!", "id:string!", "firstName:string", "lastName:string",
                                      "email:email", "referable:boolean", "locale:locale", "countryCode:country",
                                      "referredBy.code:string", "dateCreated:date", "imageUrl:url",
                                      "dateUsTaxFormSubmitted:integer", "segment:reference", "segment_action:enum"}));
  // Advocate's segment, chosen once for the file: a reference to the tenant's segments, joined or left.
  EXPECT_TRUE(field(t, "segment").fixed);
  EXPECT_EQ(field(t, "segment").ref, "segments");
  EXPECT_EQ(field(t, "segment_action").values, (std::vector<std::string>{"add", "remove"}));
  EXPECT_EQ(t.store.family, "participants");
  EXPECT_EQ(t.store.segment_field, "segment");
  EXPECT_EQ(t.store.segment_action_field, "segment_action");
  EXPECT_TRUE(field(t, "countryCode").strict);
  EXPECT_FALSE(field(t, "locale").strict);
  EXPECT_EQ(field(t, "accountId").required_message, "This request requires a valid non-empty accountId.");
  ASSERT_EQ(t.patterns.size(), 3u);
  EXPECT_EQ(t.patterns[0].prefix, "customFields.");
  EXPECT_EQ(t.patterns[0].type, FieldType::Scalar);
  EXPECT_EQ(t.patterns[0].max_length, 10000u);
  EXPECT_EQ(t.patterns[1].prefix, "referralCodes.");
  EXPECT_EQ(t.patterns[1].type, FieldType::String);
  EXPECT_EQ(t.patterns[2].prefix, "sharelinks.");
  EXPECT_EQ(t.patterns[2].type, FieldType::Url);
}

TEST(BuiltinTemplates, Leads) {
  TemplateLoad load = builtin_template("leads");
  ASSERT_TRUE(load.ok) << load.error;
  const Template& t = load.value;
  EXPECT_TRUE(t.key.empty());
  EXPECT_FALSE(t.header_case_sensitive);
  EXPECT_EQ(field_summary(t), (std::vector<std::string>{"flow_id:string!", "source_id:string!", "email:email",
                                                         "phone:phone", "first_name:string", "last_name:string",
                                                         "address_1:string", "city:string", "state:string",
                                                         "postal_code:string", "country:country"}));
  EXPECT_EQ(field(t, "flow_id").label, "Flow");
}

TEST(BuiltinTemplates, PartnersUpdate) {
  TemplateLoad load = builtin_template("partners_update");
  ASSERT_TRUE(load.ok) << load.error;
  const Template& t = load.value;
  EXPECT_EQ(key_of(t), std::vector<std::string>{"Partner ID"});
  EXPECT_EQ(t.match, MatchMode::UpdateOnly);
  EXPECT_FALSE(t.header_case_sensitive);
  EXPECT_EQ(field_summary(t), (std::vector<std::string>{
                                  "Partner ID:integer!*", "Partner Name:string", "Contact Email:email",
                                  "Media Property:url", "Group Name:reference", "Contact First Name:string",
                                  "Contact Last Name:string", "Description:string", "Country:country",
                                  "Status:enum"}));
  EXPECT_EQ(field(t, "Status").values, (std::vector<std::string>{"active", "inactive", "pending"}));
}

// ---- A good template with every property -----------------------------------------------------

TEST(ParseTemplate, ReadsEveryProperty) {
  TemplateLoad load = parse_template(R"({
    "name": "t", "title": "T", "description": "free text", "$comment": "also free",
    "key": ["a", "b"], "header_case": "sensitive", "unknown_columns": "error", "match": "update_only",
    "fields": [
      {"key": "a", "label": "A", "aliases": ["x", "y"], "type": "integer", "required": true, "unique": true,
       "strict": true, "fixed": true, "max_length": 5, "required_message": "A please.", "description": "d"},
      {"key": "b", "type": "enum", "values": ["p", "q"]},
      {"key": "c", "type": "reference", "ref": "groups"},
      {"key": "d"}
    ],
    "patterns": [{"pattern": "extra.{name}", "type": "number", "max_length": 9, "description": "d"}]
  })");
  ASSERT_TRUE(load.ok) << load.error;
  const Template& t = load.value;
  EXPECT_EQ(t.name, "t");
  EXPECT_EQ(t.title, "T");
  EXPECT_EQ(key_of(t), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(t.header_case_sensitive);
  EXPECT_EQ(t.unknown_columns, UnknownColumns::Error);
  EXPECT_EQ(t.match, MatchMode::UpdateOnly);
  EXPECT_EQ(field_summary(t), (std::vector<std::string>{"a:integer!*", "b:enum", "c:reference", "d:string"}));
  const Field& a = t.fields[0];
  EXPECT_EQ(a.label, "A");
  EXPECT_EQ(a.aliases, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(a.strict);
  EXPECT_TRUE(a.fixed);
  EXPECT_FALSE(t.fields[1].fixed);
  EXPECT_EQ(a.max_length, 5u);
  EXPECT_EQ(a.required_message, "A please.");
  EXPECT_EQ(t.fields[3].label, "d");
  ASSERT_EQ(t.patterns.size(), 1u);
  EXPECT_EQ(t.patterns[0].pattern, "extra.{name}");
  EXPECT_EQ(t.patterns[0].prefix, "extra.");
  EXPECT_EQ(t.patterns[0].type, FieldType::Number);
  EXPECT_EQ(t.patterns[0].max_length, 9u);
}

TEST(ParseTemplate, DefaultsWhenLeftOut) {
  TemplateLoad load = parse_template(R"({"name": "t", "fields": [{"key": "a"}]})");
  ASSERT_TRUE(load.ok) << load.error;
  EXPECT_FALSE(load.value.header_case_sensitive);
  EXPECT_EQ(load.value.unknown_columns, UnknownColumns::Warn);
  EXPECT_EQ(load.value.match, MatchMode::CreateOrUpdate);
  EXPECT_TRUE(load.value.key.empty());
  EXPECT_EQ(load.value.fields[0].type, FieldType::String);
}

TEST(ParseTemplate, PatternsAloneAreEnough) {
  TemplateLoad load = parse_template(R"({"name": "t", "patterns": [{"pattern": "x.{n}"}]})");
  ASSERT_TRUE(load.ok) << load.error;
  EXPECT_EQ(load.value.patterns[0].type, FieldType::Scalar);
}

TEST(ParseTemplate, EveryTypeNameRoundTrips) {
  for (const char* type : {"string", "email", "url", "boolean", "integer", "number", "date", "locale", "country",
                           "phone", "scalar"}) {
    TemplateLoad load = parse_template(std::string(R"({"name": "t", "fields": [{"key": "a", "type": ")") + type +
                                       R"("}]})");
    ASSERT_TRUE(load.ok) << type << ": " << load.error;
    EXPECT_EQ(field_type_name(load.value.fields[0].type), type);
  }
}

// ---- Bad templates -------------------------------------------------------------------------------

struct BadCase {
  const char* name;
  std::string json;
  std::string error;  // the error must hold this text
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name << ": " << c.json; }

class BadTemplate : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadTemplate, IsAnErrorNamingTheKey) {
  const BadCase& c = GetParam();
  TemplateLoad load = parse_template(c.json);
  EXPECT_FALSE(load.ok);
  EXPECT_NE(load.error.find(c.error), std::string::npos) << "error: " << load.error;
}

const BadCase kBadCases[] = {
    {"not_json", R"({"name": "t", "fields": [)", "not valid JSON"},
    {"empty_text", "", "not valid JSON"},
    {"not_an_object", R"([{"name": "t"}])", "must be a JSON object"},
    {"unknown_property", R"({"name": "t", "fields": [{"key": "a"}], "colour": "red"})",
     "\"colour\" is not a template property"},
    {"unknown_field_property", R"({"name": "t", "fields": [{"key": "a"}, {"key": "b", "requred": true}]})",
     "\"fields[1].requred\" is not a field property"},
    {"unknown_type", R"({"name": "t", "fields": [{"key": "a", "type": "emial"}]})",
     "\"fields[0].type\" is \"emial\", which is not a type"},
    {"type_not_a_string", R"({"name": "t", "fields": [{"key": "a", "type": 3}]})", "\"fields[0].type\" must be a string"},
    {"enum_without_values", R"({"name": "t", "fields": [{"key": "a"}, {"key": "s", "type": "enum"}]})",
     "\"fields[1].values\" is required for an enum field"},
    {"enum_with_empty_values", R"({"name": "t", "fields": [{"key": "s", "type": "enum", "values": []}]})",
     "\"fields[0].values\" must be a non-empty array"},
    {"enum_values_not_strings", R"({"name": "t", "fields": [{"key": "s", "type": "enum", "values": ["a", 1]}]})",
     "\"fields[0].values\" must be a non-empty array of strings"},
    {"reference_without_ref", R"({"name": "t", "fields": [{"key": "g", "type": "reference"}]})",
     "\"fields[0].ref\" is required for a reference field"},
    {"key_names_a_missing_field", R"({"name": "t", "key": "email", "fields": [{"key": "a"}]})",
     "\"key\" names \"email\", which is not a field"},
    {"key_part_names_a_missing_field", R"({"name": "t", "key": ["a", "b"], "fields": [{"key": "a"}]})",
     "\"key[1]\" names \"b\""},
    {"key_part_not_a_string", R"({"name": "t", "key": ["a", 2], "fields": [{"key": "a"}]})", "\"key[1]\" must be"},
    {"empty_key_array", R"({"name": "t", "key": [], "fields": [{"key": "a"}]})", "\"key\" must be"},
    {"key_a_number", R"({"name": "t", "key": 1, "fields": [{"key": "a"}]})", "\"key\" must be"},
    {"repeated_field_key", R"({"name": "t", "fields": [{"key": "a"}, {"key": "b"}, {"key": "a"}]})",
     "\"fields[2].key\" repeats the field \"a\""},
    {"pattern_without_placeholder", R"({"name": "t", "patterns": [{"pattern": "customFields."}]})",
     "\"patterns[0].pattern\" must be a prefix followed by one {placeholder}"},
    {"pattern_placeholder_only", R"({"name": "t", "patterns": [{"pattern": "{name}"}]})", "\"patterns[0].pattern\""},
    {"pattern_two_placeholders", R"({"name": "t", "patterns": [{"pattern": "a.{x}.{y}"}]})", "\"patterns[0].pattern\""},
    {"pattern_text_after_placeholder", R"({"name": "t", "patterns": [{"pattern": "a.{x}.b"}]})",
     "\"patterns[0].pattern\""},
    {"pattern_missing", R"({"name": "t", "patterns": [{"type": "string"}]})", "\"patterns[0].pattern\""},
    {"pattern_enum", R"({"name": "t", "patterns": [{"pattern": "a.{x}", "type": "enum"}]})",
     "\"patterns[0].type\" cannot be enum or reference"},
    {"pattern_unknown_property", R"({"name": "t", "patterns": [{"pattern": "a.{x}", "prefix": "a."}]})",
     "\"patterns[0].prefix\" is not a pattern property"},
    {"pattern_not_an_object", R"({"name": "t", "patterns": ["a.{x}"]})", "\"patterns[0]\" must be a pattern object"},
    {"update_only_without_key", R"({"name": "t", "match": "update_only", "fields": [{"key": "a"}]})",
     "\"key\" is required when match is \"update_only\""},
    {"name_missing", R"({"fields": [{"key": "a"}]})", "\"name\" is required"},
    {"name_not_a_string", R"({"name": 5, "fields": [{"key": "a"}]})", "\"name\" must be a string"},
    {"no_fields", R"({"name": "t", "fields": []})", "\"fields\" must name at least one field"},
    {"fields_not_an_array", R"({"name": "t", "fields": {"key": "a"}})", "\"fields\" must be an array"},
    {"field_not_an_object", R"({"name": "t", "fields": [{"key": "a"}, "b"]})", "\"fields[1]\" must be a field object"},
    {"field_without_key", R"({"name": "t", "fields": [{"type": "string"}]})", "\"fields[0].key\" is required"},
    {"field_with_empty_key", R"({"name": "t", "fields": [{"key": ""}]})", "\"fields[0].key\" is required"},
    {"required_not_boolean", R"({"name": "t", "fields": [{"key": "a", "required": "yes"}]})",
     "\"fields[0].required\" must be true or false"},
    {"unique_not_boolean", R"({"name": "t", "fields": [{"key": "a", "unique": 1}]})",
     "\"fields[0].unique\" must be true or false"},
    {"max_length_zero", R"({"name": "t", "fields": [{"key": "a", "max_length": 0}]})",
     "\"fields[0].max_length\" must be a positive integer"},
    {"max_length_negative", R"({"name": "t", "fields": [{"key": "a", "max_length": -3}]})",
     "\"fields[0].max_length\" must be a positive integer"},
    {"max_length_fraction", R"({"name": "t", "fields": [{"key": "a", "max_length": 2.5}]})",
     "\"fields[0].max_length\" must be a positive integer"},
    {"max_length_text", R"({"name": "t", "fields": [{"key": "a", "max_length": "10"}]})",
     "\"fields[0].max_length\" must be a positive integer"},
    {"aliases_not_an_array", R"({"name": "t", "fields": [{"key": "a", "aliases": "b"}]})",
     "\"fields[0].aliases\" must be an array of strings"},
    {"alias_not_a_string", R"({"name": "t", "fields": [{"key": "a", "aliases": ["b", null]}]})",
     "\"fields[0].aliases\" must be an array of strings"},
    {"header_case_unknown", R"({"name": "t", "header_case": "upper", "fields": [{"key": "a"}]})",
     "\"header_case\" must be"},
    {"unknown_columns_unknown", R"({"name": "t", "unknown_columns": "maybe", "fields": [{"key": "a"}]})",
     "\"unknown_columns\" must be"},
    {"match_unknown", R"({"name": "t", "match": "sometimes", "fields": [{"key": "a"}]})", "\"match\" must be"},
    {"extends_unknown_base", R"({"extends": "prospect", "name": "t"})",
     "\"extends\" names \"prospect\", which is not a built-in template"},
    {"extends_not_a_string", R"({"extends": ["leads"], "name": "t"})", "\"extends\" must name a built-in template"},
    {"extends_with_a_bad_field", R"({"extends": "leads", "fields": [{"key": "email", "type": "emial"}]})",
     "\"fields[0].type\" is \"emial\""},
    {"extends_making_a_field_an_enum_without_values",
     R"({"extends": "leads", "fields": [{"key": "city", "type": "enum"}]})", "\"fields[0].values\" is required"},
};

INSTANTIATE_TEST_SUITE_P(Cases, BadTemplate, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& i) { return std::string(i.param.name); });

TEST(ParseTemplate, MangledTemplatesNeverCrash) {
  // Every built-in with bytes deleted, repeated or changed: each load must end in ok or a message.
  std::mt19937 rng(11);
  const char replacements[] = {'{', '}', '[', ']', '"', ',', ':', '0', 'x', ' ', '\\', '\0'};
  int errors = 0;
  for (const auto& b : builtin_templates()) {
    for (int n = 0; n < 150; ++n) {
      std::string text(b.json);
      for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
        std::size_t at = rng() % text.size();
        switch (rng() % 3) {
          case 0: text.erase(at, 1 + rng() % 8); break;
          case 1: text.insert(at, text.substr(at, 1 + rng() % 8)); break;
          default: text[at] = replacements[rng() % sizeof replacements]; break;
        }
        if (text.empty()) text = "{";
      }
      TemplateLoad load = parse_template(text);
      if (!load.ok) {
        ++errors;
        EXPECT_FALSE(load.error.empty()) << text;
      }
    }
  }
  EXPECT_GT(errors, 0);  // the mangling did reach the error paths
}

// ---- extends --------------------------------------------------------------------------------------

TEST(ParseTemplate, ExtendsTightensAFieldAndAddsOne) {
  TemplateLoad base = builtin_template("leads");
  ASSERT_TRUE(base.ok);
  TemplateLoad load = parse_template(R"({
    "extends": "leads", "name": "leads_acme", "title": "Acme leads",
    "fields": [
      {"key": "email", "required": true, "max_length": 80},
      {"key": "tier", "label": "Tier", "type": "enum", "values": ["gold", "silver"], "required": true}
    ]})");
  ASSERT_TRUE(load.ok) << load.error;
  const Template& t = load.value;
  EXPECT_EQ(t.name, "leads_acme");
  EXPECT_EQ(t.title, "Acme leads");
  ASSERT_EQ(t.fields.size(), base.value.fields.size() + 1);
  const Field& email = field(t, "email");
  EXPECT_EQ(email.type, FieldType::Email);  // kept from the base
  EXPECT_TRUE(email.required);             // tightened
  EXPECT_EQ(email.max_length, 80u);
  EXPECT_EQ(email.label, "Email");
  EXPECT_EQ(email.aliases, field(base.value, "email").aliases);
  EXPECT_EQ(t.find_field("email"), base.value.find_field("email"));  // amended in place
  const Field& tier = t.fields.back();
  EXPECT_EQ(tier.key, "tier");
  EXPECT_EQ(tier.type, FieldType::Enum);
  EXPECT_TRUE(tier.required);
  EXPECT_EQ(tier.values, (std::vector<std::string>{"gold", "silver"}));
  // The rest of the base is untouched.
  EXPECT_FALSE(t.header_case_sensitive);
  EXPECT_TRUE(field(t, "flow_id").required);
  EXPECT_EQ(field(t, "phone").type, FieldType::Phone);
  EXPECT_EQ(field(t, "city").max_length, 100u);
}

TEST(ParseTemplate, ExtendsKeepsTheBaseKeyAndMatchUnlessGiven) {
  TemplateLoad kept = parse_template(R"({"extends": "partners_update", "name": "pu2"})");
  ASSERT_TRUE(kept.ok) << kept.error;
  EXPECT_EQ(key_of(kept.value), std::vector<std::string>{"Partner ID"});
  EXPECT_EQ(kept.value.match, MatchMode::UpdateOnly);

  TemplateLoad rekeyed = parse_template(R"({"extends": "leads", "name": "l2", "key": "email"})");
  ASSERT_TRUE(rekeyed.ok) << rekeyed.error;
  EXPECT_EQ(key_of(rekeyed.value), std::vector<std::string>{"email"});
}

TEST(ParseTemplate, ExtendsWithoutANameKeepsTheBaseName) {
  TemplateLoad load = parse_template(R"({"extends": "prospects"})");
  ASSERT_TRUE(load.ok) << load.error;
  EXPECT_EQ(load.value.name, "prospects");
  EXPECT_EQ(load.value.fields.size(), builtin_template("prospects").value.fields.size());
}

// Regression: within an "extends" template the same new field could be listed twice, the second
// entry silently amending the first.
TEST(ParseTemplate, ExtendsRejectsANewFieldListedTwice) {
  TemplateLoad load = parse_template(R"({"extends": "leads", "name": "x",
    "fields": [{"key": "tier", "type": "string"}, {"key": "tier", "type": "integer"}]})");
  EXPECT_FALSE(load.ok);
  EXPECT_NE(load.error.find("\"fields[1].key\""), std::string::npos) << load.error;
}

}  // namespace

namespace {

// The `store` section: read as declared, inherited through `extends`, checked against the fields.
TEST(TemplateStore, TheBindingIsReadAndInheritedAndNamesOnlyFields) {
  TemplateLoad prospects = builtin_template("prospects");
  ASSERT_TRUE(prospects.ok) << prospects.error;
  EXPECT_EQ(prospects.value.store.family, "partners");
  EXPECT_EQ(prospects.value.store.key, "email_key");
  auto column_of = [](const Template& t, const std::string& field) {
    for (const auto& [f, c] : t.store.columns)
      if (f == field) return c;
    return std::string();
  };
  EXPECT_EQ(column_of(prospects.value, "Contact Email"), "email");
  EXPECT_EQ(column_of(prospects.value, "Group Name"), "groups");
  EXPECT_EQ(builtin_template("partners_update").value.store.key, "partner_id");
  EXPECT_EQ(builtin_template("leads").value.store.family, "leads");

  TemplateLoad extended = parse_template(R"({"extends": "prospects", "fields": [{"key": "Country", "required": true}]})");
  ASSERT_TRUE(extended.ok) << extended.error;
  EXPECT_EQ(extended.value.store.family, "partners");

  TemplateLoad none = parse_template(R"({"name": "x", "fields": [{"key": "a"}]})");
  ASSERT_TRUE(none.ok);
  EXPECT_TRUE(none.value.store.family.empty());

  EXPECT_EQ(parse_template(R"({"name": "x", "fields": [{"key": "a"}], "store": {"family": "x", "columns": {"b": "c"}}})").error,
            "\"store.columns\" names \"b\", which is not a field of the template");
  EXPECT_EQ(parse_template(R"({"name": "x", "fields": [{"key": "a"}], "store": {"key": "k"}})").error,
            "\"store.family\" is required");
  EXPECT_EQ(parse_template(R"({"name": "x", "fields": [{"key": "a"}], "store": {"family": "x", "table": "t"}})").error,
            "\"store.table\" is not a store property");
  EXPECT_EQ(parse_template(R"({"name": "x", "fields": [{"key": "a"}], "store": {"family": "x", "segment": {"field": "s"}}})").error,
            "\"store.segment\" names \"s\", which is not a field of the template");
  EXPECT_EQ(parse_template(R"({"name": "x", "fields": [{"key": "a"}], "store": {"family": "x", "segment": {"action": "a"}}})").error,
            "\"store.segment.field\" is required");
  EXPECT_EQ(parse_template(R"({"name": "x", "fields": [{"key": "a"}], "store": {"family": "x", "segment": {"field": "a", "to": "b"}}})").error,
            "\"store.segment.to\" is not a segment property (field, action)");
}

TEST(TemplateStore, AStoredKeyPartIsTheCoresKey) {
  EXPECT_EQ(rowgate::stored_key_part(FieldType::Email, "Ana@École.example"), "ana@École.example");
  EXPECT_EQ(rowgate::stored_key_part(FieldType::String, "Ana"), "Ana");
}

}  // namespace
