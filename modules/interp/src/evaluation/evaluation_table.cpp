// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The methods x metrics table of an evaluation, as aligned text, CSV or Markdown.
#include "../precomp.hpp"

#include <limits>

namespace cv {
namespace interp {

MethodEvaluation::MethodEvaluation()
    : meanIoU(std::numeric_limits<double>::quiet_NaN()), pointingRate(meanIoU), meanMass(meanIoU),
      deletionAUC(meanIoU), insertionAUC(meanIoU), sanityCorrelation(meanIoU), seconds(0)
{
}

MethodEvaluation EvaluationReport::method(const String& name) const
{
    String list;
    for (const MethodEvaluation& m : methods)
    {
        if (m.method == name)
            return m;
        list += (list.empty() ? "" : ", ") + m.method;
    }
    CV_Error(Error::StsObjectNotFound, "method '" + name + "' was not evaluated; the report has: " + list);
}

namespace {

String number(double v, int digits = 3)
{
    return cvIsNaN(v) ? String() : cv::format("%.*f", digits, v);
}

std::vector<std::vector<String> > rows(const EvaluationReport& r, std::vector<String>& header)
{
    header = { "method", "images", "grabcut_iou", "pointing_game", "mass_in_mask", "deletion_auc", "insertion_auc",
               "sanity_spearman", "seconds" };
    std::vector<std::vector<String> > out;
    for (const MethodEvaluation& m : r.methods)
    {
        const size_t n = std::max(std::max(m.iou.size(), m.pointing.size()),
                                  std::max(m.mass.size(), std::max(m.deletion.size(), m.insertion.size())));
        out.push_back({ m.method, cv::format("%d", (int)n), number(m.meanIoU), number(m.pointingRate),
                        number(m.meanMass), number(m.deletionAUC), number(m.insertionAUC),
                        number(m.sanityCorrelation), number(m.seconds, 1) });
    }
    // Chance levels: a uniformly random point, a uniform map.
    out.push_back({ "(chance)", cv::format("%d", (int)r.images.size()), String(), number(r.randomPointing),
                    number(r.meanObjectFraction), String(), String(), String(), String() });
    return out;
}

}  // namespace

String EvaluationReport::table(const String& format) const
{
    std::vector<String> header;
    const std::vector<std::vector<String> > body = rows(*this, header);
    std::ostringstream os;
    if (format == "csv")
    {
        for (size_t c = 0; c < header.size(); c++)
            os << (c ? "," : "") << header[c];
        os << "\n";
        for (const auto& row : body)
        {
            for (size_t c = 0; c < row.size(); c++)
                os << (c ? "," : "") << row[c];
            os << "\n";
        }
        return os.str();
    }
    static const char* pretty[] = { "method", "images", "GrabCut IoU ↑", "pointing game ↑", "mass in mask ↑",
                                    "deletion AUC ↓", "insertion AUC ↑", "sanity ρ ↓", "seconds" };
    auto cell = [](const String& s) { return s.empty() ? String("-") : s; };
    if (format == "markdown")
    {
        os << "|";
        for (const char* h : pretty)
            os << " " << h << " |";
        os << "\n|---|";
        for (size_t c = 1; c < header.size(); c++)
            os << "---:|";
        os << "\n";
        for (const auto& row : body)
        {
            os << "|";
            for (const String& s : row)
                os << " " << cell(s) << " |";
            os << "\n";
        }
        return os.str();
    }
    if (format != "text")
        CV_Error(Error::StsBadArg, "unknown table format '" + format + "': use text, csv or markdown");
    // Column widths count characters, not bytes (the arrows are multi-byte UTF-8).
    auto width = [](const String& s) {
        int n = 0;
        for (unsigned char ch : s)
            n += (ch & 0xC0) != 0x80;
        return n;
    };
    std::vector<int> w(header.size(), 0);
    for (size_t c = 0; c < header.size(); c++)
    {
        w[c] = width(pretty[c]);
        for (const auto& row : body)
            w[c] = std::max(w[c], width(cell(row[c])));
    }
    auto line = [&](const std::vector<String>& cells) {
        for (size_t c = 0; c < cells.size(); c++)
        {
            const String s = cell(cells[c]);
            const String pad((size_t)(w[c] - width(s)), ' ');
            os << (c ? "  " : "") << (c == 0 ? s + pad : pad + s);
        }
        os << "\n";
    };
    line(std::vector<String>(pretty, pretty + header.size()));
    for (const auto& row : body)
        line(row);
    return os.str();
}

}  // namespace interp
}  // namespace cv
