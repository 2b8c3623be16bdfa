// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// doc/layers.md, the supported-layer table, against the rule registry: every type with a backward rule is
// listed as supported, every type listed as supported has a rule, every refused type has none, and every
// listed type is one cv::dnn registers.
#include "test_precomp.hpp"

#include <fstream>
#include <set>

namespace opencv_test {
namespace {

struct TableRow
{
    std::vector<std::string> types;
    std::string standard;  // "yes", "refused" or "not needed"
};

std::vector<TableRow> readLayerTable(const std::string& path)
{
    std::vector<TableRow> rows;
    std::ifstream f(path.c_str());
    std::string line;
    while (std::getline(f, line))
    {
        if (line.compare(0, 3, "| `") != 0)
            continue;
        const size_t c1 = line.find('|', 1), c2 = line.find('|', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos)
            continue;
        TableRow r;
        const std::string cell = line.substr(1, c1 - 1);
        for (size_t a = cell.find('`'); a != std::string::npos; a = cell.find('`', a + 1))
        {
            const size_t b = cell.find('`', a + 1);
            if (b == std::string::npos)
                break;
            r.types.push_back(cell.substr(a + 1, b - a - 1));
            a = b;
        }
        r.standard = line.substr(c1 + 1, c2 - c1 - 1);
        r.standard.erase(0, r.standard.find_first_not_of(' '));
        r.standard.erase(r.standard.find_last_not_of(' ') + 1);
        rows.push_back(r);
    }
    return rows;
}

bool registeredInDnn(const std::string& type)
{
    cv::dnn::LayerParams lp;
    lp.name = "probe";
    lp.type = type;
    try
    {
        return !cv::dnn::LayerFactory::createLayerInstance(type, lp).empty();
    }
    catch (const cv::Exception&)
    {
        return true;  // registered, but its constructor wants parameters
    }
}

TEST(Interp_LayerTable, doc_matches_the_rule_registry)
{
    const std::string path = interp_test::dataPath("../doc/layers.md");
    if (!interp_test::fileExists(path))
        INTERP_TEST_SKIP(path + " is not next to the data directory (an installed data directory)");
    const std::vector<TableRow> rows = readLayerTable(path);
    ASSERT_GE(rows.size(), 40u) << "cannot read the tables of " << path;
    std::set<std::string> supported;
    for (const TableRow& r : rows)
        for (const std::string& t : r.types)
        {
            if (t.find('*') != std::string::npos)
                continue;  // "*Int8": a family, not a type
            EXPECT_TRUE(registeredInDnn(t)) << t << " is listed but cv::dnn does not register it";
            if (r.standard == "yes")
            {
                EXPECT_TRUE(cv::interp::hasBackwardRule(t)) << t << " is listed as supported but has no backward rule";
                supported.insert(t);
            }
            else
            {
                EXPECT_TRUE(r.standard == "refused" || r.standard == "not needed") << t << ": '" << r.standard << "'";
                EXPECT_FALSE(cv::interp::hasBackwardRule(t)) << t << " has a backward rule: list it as supported";
            }
        }
    for (const cv::String& t : cv::interp::supportedLayerTypes())
        EXPECT_TRUE(supported.count(t)) << t << " has a backward rule but doc/layers.md does not list it as supported";
}

}  // namespace
}  // namespace opencv_test
