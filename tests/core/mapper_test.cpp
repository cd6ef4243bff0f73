// Tests for header mapping (core/src/mapper.h): exact, normalized, alias, pattern, fuzzy and
// override matches; which match wins a field; duplicates; case-sensitive templates; override
// checks; and the similarity measure.
#include "mapper.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace {

using rowgate::builtin_template;
using rowgate::parse_template;
using rowgate::Template;
using rowgate::detail::ColumnMatch;
using rowgate::detail::Mapper;
using rowgate::detail::similarity;

using Overrides = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;

Template builtin(const char* name) {
  auto load = builtin_template(name);
  EXPECT_TRUE(load.ok) << load.error;
  return load.value;
}

// Each column as "field/how/confidence", with "dup-of-N " before it for a duplicate,
// "pattern:KEY" for a dynamic field and "ignored" for an ignored column.
Strings map_columns(const Template& t, const Strings& headers, const Overrides& overrides = {}) {
  Mapper mapper(t, overrides);
  std::vector<ColumnMatch> matches = mapper.map_header(headers);
  EXPECT_EQ(matches.size(), headers.size());
  Strings out;
  for (const ColumnMatch& m : matches) {
    std::string s;
    if (m.duplicate_of >= 0) s += "dup-of-" + std::to_string(m.duplicate_of) + " ";
    if (m.ignored) s += "ignored";
    else if (m.field >= 0) s += t.fields.at(static_cast<std::size_t>(m.field)).key;
    else if (m.pattern >= 0) s += "pattern:" + m.dynamic_key;
    else s += "-";
    s += "/" + std::string(m.how) + "/" + std::to_string(m.confidence);
    out.push_back(std::move(s));
  }
  return out;
}

// ---- One column at a time -----------------------------------------------------------------------

struct OneCase {
  const char* name;
  const char* tmpl;
  std::string header;
  std::string expected;
};

void PrintTo(const OneCase& c, std::ostream* os) { *os << c.name << ": " << c.tmpl << " \"" << c.header << "\""; }

class MapOneColumn : public ::testing::TestWithParam<OneCase> {};

TEST_P(MapOneColumn, MatchesAsExpected) {
  const OneCase& c = GetParam();
  EXPECT_EQ(map_columns(builtin(c.tmpl), {c.header}), Strings{c.expected});
}

const OneCase kOneCases[] = {
    {"exact_key", "prospects", "Contact Email", "Contact Email/exact/100"},
    {"exact_label", "leads", "Flow", "flow_id/exact/100"},
    {"exact_key_with_a_label", "leads", "flow_id", "flow_id/exact/100"},
    {"normalized_case", "prospects", "CONTACT EMAIL", "Contact Email/normalized/95"},
    {"normalized_punctuation", "prospects", "contact_e-mail", "Contact Email/normalized/95"},
    {"normalized_underscore", "prospects", "contact_email", "Contact Email/normalized/95"},
    {"normalized_spaces", "prospects", "  Contact   Email ", "Contact Email/normalized/95"},
    {"normalized_label", "leads", "FLOW", "flow_id/normalized/95"},
    {"normalized_key", "leads", "Flow ID", "flow_id/normalized/95"},
    {"alias_exact", "prospects", "Email", "Contact Email/alias/90"},
    {"alias_other_case", "prospects", "EMAIL ADDRESS", "Contact Email/alias/90"},
    {"alias_punctuation", "prospects", "e_mail", "Contact Email/alias/90"},
    {"fuzzy_transposition", "prospects", "Contact Emial", "Contact Email/fuzzy/83"},
    {"fuzzy_one_letter_missing", "prospects", "Partner Nam", "Partner Name/fuzzy/90"},
    {"fuzzy_too_far", "prospects", "Contact", "-/none/0"},
    {"nothing_like_it", "prospects", "Favourite colour", "-/none/0"},
    {"empty_header", "prospects", "", "-/none/0"},
    {"punctuation_only_header", "prospects", "---", "-/none/0"},
    {"pattern", "participants", "customFields.tier", "pattern:customFields.tier/pattern/100"},
    {"pattern_other_prefix", "participants", "sharelinks.p1", "pattern:sharelinks.p1/pattern/100"},
    {"pattern_needs_a_name", "participants", "customFields.", "-/none/0"},
    {"sensitive_exact", "participants", "accountId", "accountId/exact/100"},
    {"sensitive_no_normalized", "participants", "AccountId", "-/none/0"},
    {"sensitive_no_normalized_punctuation", "participants", "account_id", "-/none/0"},
    {"sensitive_no_fuzzy", "participants", "acountId", "-/none/0"},
    {"sensitive_pattern_case", "participants", "CustomFields.tier", "-/none/0"},
};

INSTANTIATE_TEST_SUITE_P(Cases, MapOneColumn, ::testing::ValuesIn(kOneCases),
                         [](const ::testing::TestParamInfo<OneCase>& i) { return std::string(i.param.name); });

TEST(Mapper, FuzzyConfidenceIsTheSimilarity) {
  Template t = builtin("prospects");
  EXPECT_EQ(map_columns(t, {"Contact Emial"}), Strings{"Contact Email/fuzzy/" + std::to_string(similarity("contactemial", "contactemail"))});
}

TEST(Mapper, PatternInACaseInsensitiveTemplateTakesTheTemplatesPrefix) {
  auto load = parse_template(R"({"name": "t", "fields": [{"key": "a"}], "patterns": [{"pattern": "customFields.{n}"}]})");
  ASSERT_TRUE(load.ok) << load.error;
  EXPECT_EQ(map_columns(load.value, {"CUSTOMFIELDS.Tier"}), Strings{"pattern:customFields.Tier/pattern/100"});
}

// ---- Overrides ----------------------------------------------------------------------------------

TEST(Mapper, OverrideByKeyAndByLabel) {
  Template t = builtin("leads");
  EXPECT_EQ(map_columns(t, {"Campaign", "Origin"}, {{"Campaign", "flow_id"}, {"Origin", "Source"}}),
            (Strings{"flow_id/override/100", "source_id/override/100"}));
}

TEST(Mapper, OverrideWithAnEmptyTargetIgnoresTheColumn) {
  Template t = builtin("prospects");
  EXPECT_EQ(map_columns(t, {"Email", "Notes"}, {{"Email", ""}}),
            (Strings{"ignored/override/100", "Description/alias/90"}));
}

TEST(Mapper, OverrideToAPattern) {
  Template t = builtin("participants");
  EXPECT_EQ(map_columns(t, {"Tier"}, {{"Tier", "customFields.tier"}}),
            Strings{"pattern:customFields.tier/override/100"});
}

TEST(Mapper, OverrideComesBeforeAnExactMatch) {
  Template t = builtin("prospects");
  // The override takes the field first; the exact column is then a second column for it.
  EXPECT_EQ(map_columns(t, {"Contact Email", "Work Email"}, {{"Work Email", "Contact Email"}}),
            (Strings{"dup-of-1 Contact Email/exact/100", "Contact Email/override/100"}));
  // Ignoring the exact column resolves it.
  EXPECT_EQ(map_columns(t, {"Contact Email", "Work Email"}, {{"Work Email", "Contact Email"}, {"Contact Email", ""}}),
            (Strings{"ignored/override/100", "Contact Email/override/100"}));
}

TEST(Mapper, OverrideMatchesTheHeaderTextExactly) {
  Template t = builtin("prospects");
  EXPECT_EQ(map_columns(t, {"Correo"}, {{"correo", "Contact Email"}}), Strings{"-/none/0"});
  EXPECT_EQ(map_columns(t, {"Correo"}, {{"Correo", "Contact Email"}}), Strings{"Contact Email/override/100"});
}

TEST(Mapper, CheckOverridesAcceptsKeysLabelsPatternsAndIgnores) {
  Template leads = builtin("leads");
  Overrides ok = {{"A", "flow_id"}, {"B", "Source"}, {"C", ""}};
  EXPECT_EQ(Mapper(leads, ok).check_overrides(), "");
  Template participants = builtin("participants");
  Overrides dynamic = {{"Tier", "customFields.tier"}};
  EXPECT_EQ(Mapper(participants, dynamic).check_overrides(), "");
}

TEST(Mapper, CheckOverridesRejectsAnUnknownTarget) {
  Template t = builtin("prospects");
  Overrides bad = {{"A", "Contact Email"}, {"Mail", "Contact Mail"}};
  std::string problem = Mapper(t, bad).check_overrides();
  EXPECT_NE(problem.find("the column \"Mail\" is mapped to \"Contact Mail\""), std::string::npos) << problem;
  EXPECT_EQ(problem.find("--map"), std::string::npos) << problem;  // the command line adds its own words
  EXPECT_NE(problem.find("\"Contact Mail\", which is not a field"), std::string::npos) << problem;
  EXPECT_NE(problem.find("\"prospects\""), std::string::npos) << problem;
  Overrides pattern_elsewhere = {{"Tier", "customFields.tier"}};
  EXPECT_NE(Mapper(t, pattern_elsewhere).check_overrides(), "");
  Overrides wrong_case = {{"A", "contact email"}};
  EXPECT_NE(Mapper(t, wrong_case).check_overrides(), "");
}

// ---- Which column wins a field --------------------------------------------------------------------

TEST(Mapper, ExactMatchIsNotStolenByAnEarlierFuzzyColumn) {
  Template t = builtin("prospects");
  Strings m = map_columns(t, {"Contact Emial", "Contact Email"});
  EXPECT_EQ(m[1], "Contact Email/exact/100");
  EXPECT_EQ(m[0].find("Contact Email"), std::string::npos) << m[0];
  EXPECT_EQ(m[0].find("dup-of"), std::string::npos) << m[0];
}

TEST(Mapper, ExactMatchIsNotStolenByAnEarlierNormalizedOrAliasColumn) {
  Template t = builtin("prospects");
  EXPECT_EQ(map_columns(t, {"contact email", "Email", "Contact Email"}),
            (Strings{"dup-of-2 Contact Email/normalized/95", "dup-of-2 Contact Email/alias/90", "Contact Email/exact/100"}));
}

TEST(Mapper, NormalizedMatchBeatsAnEarlierAlias) {
  Template t = builtin("prospects");
  EXPECT_EQ(map_columns(t, {"Email", "contact_email"}),
            (Strings{"dup-of-1 Contact Email/alias/90", "Contact Email/normalized/95"}));
}

TEST(Mapper, TwoColumnsForOneFieldSetDuplicateOf) {
  Template t = builtin("prospects");
  EXPECT_EQ(map_columns(t, {"Email", "Name", "E-mail"}),
            (Strings{"Contact Email/alias/90", "Partner Name/alias/90", "dup-of-0 Contact Email/alias/90"}));
  EXPECT_EQ(map_columns(t, {"Contact Email", "Contact Email"}),
            (Strings{"Contact Email/exact/100", "dup-of-0 Contact Email/exact/100"}));
}

TEST(Mapper, FuzzyDoesNotTakeAFieldThatIsHeld) {
  Template t = builtin("prospects");
  Strings m = map_columns(t, {"Contact Email", "Contact Emial"});
  EXPECT_EQ(m[0], "Contact Email/exact/100");
  EXPECT_EQ(m[1].find("Contact Email"), std::string::npos) << m[1];
}

TEST(Mapper, TwoFuzzyColumnsForOneFieldTheFirstWins) {
  Template t = builtin("prospects");
  Strings m = map_columns(t, {"Contact Emial", "Contcat Email"});
  EXPECT_EQ(m[0], "Contact Email/fuzzy/83");
  EXPECT_EQ(m[1].find("Contact Email"), std::string::npos) << m[1];
}

TEST(Mapper, CaseSensitiveTemplateMapsAFullHeader) {
  Template t = builtin("participants");
  EXPECT_EQ(map_columns(t, {"accountId", "id", "Email", "email", "referralCodes.p1", "FirstName"}),
            (Strings{"accountId/exact/100", "id/exact/100", "-/none/0", "email/exact/100",
                     "pattern:referralCodes.p1/pattern/100", "-/none/0"}));
}

TEST(Mapper, NoFuzzyMatchingPastAThousandColumns) {
  Template t = builtin("prospects");
  Strings headers(1001, "");
  for (std::size_t i = 0; i < headers.size(); ++i) headers[i] = "col" + std::to_string(i);
  headers[0] = "Contact Emial";
  headers[1] = "Contact Email";  // still exact
  Strings m = map_columns(t, headers);
  EXPECT_EQ(m[0], "-/none/0");
  EXPECT_EQ(m[1], "Contact Email/exact/100");
  headers.resize(1000);
  EXPECT_EQ(map_columns(t, headers)[0], "-/none/0");  // Contact Email is held; nothing else is near
  headers[1] = "col1";
  EXPECT_EQ(map_columns(t, headers)[0], "Contact Email/fuzzy/83");
}

// ---- similarity -----------------------------------------------------------------------------------

struct SimilarityCase {
  const char* a;
  const char* b;
  std::uint32_t expected;
};

class Similarity : public ::testing::TestWithParam<SimilarityCase> {};

TEST_P(Similarity, IsTheEditDistanceAsAShareOfTheLonger) {
  const SimilarityCase& c = GetParam();
  EXPECT_EQ(similarity(c.a, c.b), c.expected) << c.a << " / " << c.b;
  EXPECT_EQ(similarity(c.b, c.a), c.expected) << "symmetric: " << c.b << " / " << c.a;
}

INSTANTIATE_TEST_SUITE_P(Pairs, Similarity,
                         ::testing::Values(SimilarityCase{"", "", 100}, SimilarityCase{"abc", "abc", 100},
                                           SimilarityCase{"abc", "", 0}, SimilarityCase{"abc", "xyz", 0},
                                           SimilarityCase{"kitten", "sitting", 57}, SimilarityCase{"flaw", "lawn", 50},
                                           SimilarityCase{"contactemail", "contactemial", 83},
                                           SimilarityCase{"partnername", "partnernam", 90},
                                           SimilarityCase{"email", "emails", 83}));

}  // namespace
