// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Building blocks of the static HTML report: escaping, a Markdown subset, a page with figures and tables.
#include "../precomp.hpp"
#include "report_html.hpp"
#include "../io/filesystem.hpp"

namespace cv {
namespace interp {
namespace html {

String escape(const String& s)
{
    String out;
    out.reserve(s.size());
    for (char c : s)
    {
        switch (c)
        {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

static String inlineMarkdown(const String& text)
{
    // `code` and **bold** on escaped text
    String s = escape(text), out;
    bool code = false, bold = false;
    for (size_t i = 0; i < s.size(); i++)
    {
        if (s[i] == '`')
        {
            out += code ? "</code>" : "<code>";
            code = !code;
        }
        else if (!code && s[i] == '*' && i + 1 < s.size() && s[i + 1] == '*')
        {
            out += bold ? "</b>" : "<b>";
            bold = !bold;
            i++;
        }
        else
            out += s[i];
    }
    if (code)
        out += "</code>";
    if (bold)
        out += "</b>";
    return out;
}

static std::vector<String> splitRow(const String& line)
{
    std::vector<String> cells;
    String l = line;
    if (!l.empty() && l[0] == '|')
        l = l.substr(1);
    if (!l.empty() && l.back() == '|')
        l.pop_back();
    std::stringstream ss(l);
    String cell;
    while (std::getline(ss, cell, '|'))
    {
        size_t a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
        cells.push_back(a == String::npos ? String() : cell.substr(a, b - a + 1));
    }
    return cells;
}

String fromMarkdown(const String& md)
{
    std::vector<String> lines;
    {
        std::stringstream ss(md);
        String l;
        while (std::getline(ss, l))
        {
            if (!l.empty() && l.back() == '\r')
                l.pop_back();
            lines.push_back(l);
        }
    }
    std::ostringstream out;
    String para;
    auto flush = [&]() {
        if (!para.empty())
            out << "<p>" << inlineMarkdown(para) << "</p>\n";
        para.clear();
    };
    for (size_t i = 0; i < lines.size(); i++)
    {
        const String& l = lines[i];
        if (l.compare(0, 3, "```") == 0)
        {
            flush();
            out << "<pre>";
            for (i++; i < lines.size() && lines[i].compare(0, 3, "```") != 0; i++)
                out << escape(lines[i]) << "\n";
            out << "</pre>\n";
            continue;
        }
        if (l.empty())
        {
            flush();
            continue;
        }
        if (l[0] == '#')
        {
            flush();
            size_t level = l.find_first_not_of('#');
            const int h = (int)std::min<size_t>(6, level + 2);  // the card sits under the report's own headings
            out << "<h" << h << ">" << inlineMarkdown(l.substr(level + 1)) << "</h" << h << ">\n";
            continue;
        }
        if (l[0] == '|')
        {
            flush();
            out << "<table class=\"md\">\n";
            bool headerDone = false;
            for (; i < lines.size() && !lines[i].empty() && lines[i][0] == '|'; i++)
            {
                std::vector<String> cells = splitRow(lines[i]);
                if (!cells.empty() && cells[0].find("---") != String::npos)
                    continue;
                const char* tag = headerDone ? "td" : "th";
                out << "<tr>";
                for (const String& c : cells)
                    out << "<" << tag << ">" << inlineMarkdown(c) << "</" << tag << ">";
                out << "</tr>\n";
                headerDone = true;
            }
            i--;
            out << "</table>\n";
            continue;
        }
        if (l.compare(0, 2, "- ") == 0 || l.compare(0, 2, "* ") == 0)
        {
            flush();
            out << "<ul>\n";
            for (; i < lines.size() && (lines[i].compare(0, 2, "- ") == 0 || lines[i].compare(0, 2, "* ") == 0 ||
                                        (lines[i].compare(0, 2, "  ") == 0 && !lines[i].empty())); i++)
            {
                if (lines[i].compare(0, 2, "  ") == 0)
                    out << " " << inlineMarkdown(lines[i].substr(2));
                else
                    out << "<li>" << inlineMarkdown(lines[i].substr(2));
            }
            i--;
            out << "</ul>\n";
            continue;
        }
        para += (para.empty() ? "" : " ") + l;
    }
    flush();
    return out.str();
}

Page::Page(const String& dir_, const String& title_) : dir(dir_), title(title_)
{
    fs::makeDirectories(dir + "/img");
}

void Page::section(const String& id, const String& t, const String& intro)
{
    toc.push_back(std::make_pair(id, t));
    if (sectionOpen)
        body << "</section>\n";
    sectionOpen = true;
    body << "<section id=\"" << escape(id) << "\">\n<h2>" << escape(t) << "</h2>\n";
    if (!intro.empty())
        body << "<p class=\"intro\">" << intro << "</p>\n";
}

void Page::raw(const String& h) { body << h << "\n"; }

void Page::paragraph(const String& text) { body << "<p>" << escape(text) << "</p>\n"; }

String Page::figure(const String& name, const Mat& image, const String& caption, int displayWidth, const Data& data)
{
    const String rel = "img/" + name + ".png";
    writeImage(dir + "/" + rel, image);
    images++;
    Mat grey;
    if (image.channels() == 1)
        grey = image;
    else
        cvtColor(image, grey, image.channels() == 4 ? COLOR_BGRA2GRAY : COLOR_BGR2GRAY);
    Scalar mean, sd;
    meanStdDev(grey, mean, sd);
    body << "<figure><img src=\"" << escape(rel) << "\" alt=\"" << escape(caption) << "\" data-std=\""
         << cv::format("%.2f", sd[0]) << "\"";
    for (const auto& kv : data)
        body << " data-" << escape(kv.first) << "=\"" << escape(kv.second) << "\"";
    if (displayWidth > 0)
        body << " width=\"" << displayWidth << "\"";
    body << "><figcaption>" << escape(caption) << "</figcaption></figure>\n";
    return rel;
}

void Page::figureRow(const std::vector<String>& names, const std::vector<Mat>& imgs, const std::vector<String>& captions,
                     int displayWidth, const std::vector<Data>& data)
{
    CV_Assert(names.size() == imgs.size() && names.size() == captions.size());
    CV_Assert(data.empty() || data.size() == names.size());
    body << "<div class=\"row\">\n";
    for (size_t i = 0; i < names.size(); i++)
        figure(names[i], imgs[i], captions[i], displayWidth, data.empty() ? Data() : data[i]);
    body << "</div>\n";
}

void Page::table(const std::vector<String>& header, const std::vector<std::vector<String> >& rows, const String& cssClass)
{
    body << "<table" << (cssClass.empty() ? String() : " class=\"" + escape(cssClass) + "\"") << ">\n";
    if (!header.empty())
    {
        body << "<tr>";
        for (const String& h : header)
            body << "<th>" << escape(h) << "</th>";
        body << "</tr>\n";
    }
    for (const auto& r : rows)
    {
        body << "<tr>";
        for (const String& c : r)
            body << "<td>" << escape(c) << "</td>";
        body << "</tr>\n";
    }
    body << "</table>\n";
}

String Page::write() const
{
    std::ostringstream page;
    page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << escape(title)
         << "</title>\n<style>\n"
            "body{font-family:sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}\n"
            "h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\n"
            "nav ol{columns:2} .intro{color:#444;max-width:60em}\n"
            "figure{display:inline-block;margin:.4em;vertical-align:top;text-align:center}\n"
            "figure img{image-rendering:pixelated;border:1px solid #ddd}\n"
            "figcaption{font-size:.8em;max-width:260px;margin:auto}\n"
            ".row{white-space:normal}\n"
            "table{border-collapse:collapse;margin:.6em 0} td,th{border:1px solid #ccc;padding:.2em .5em;font-size:.9em}\n"
            "th{background:#f3f3f3} td{text-align:right} td:first-child{text-align:left}\n"
            "pre{background:#f7f7f7;padding:.5em;overflow-x:auto}\n"
            "</style>\n</head>\n<body>\n<h1>" << escape(title) << "</h1>\n<nav><ol>\n";
    for (const auto& t : toc)
        page << "<li><a href=\"#" << escape(t.first) << "\">" << escape(t.second) << "</a></li>\n";
    page << "</ol></nav>\n" << body.str() << (sectionOpen ? "</section>\n" : "")
         << "<script>\n"
            "// What the browser shows: images loaded, and each image's grey-level spread as decoded (data-shown-std;\n"
            "// not available when the browser forbids reading file:// pixels).\n"
            "window.addEventListener('load', function () {\n"
            "  var imgs = document.images, ok = 0, bad = 0;\n"
            "  for (var i = 0; i < imgs.length; i++) {\n"
            "    var im = imgs[i];\n"
            "    if (!(im.complete && im.naturalWidth > 0)) { bad++; continue; }\n"
            "    ok++;\n"
            "    try {\n"
            "      var c = document.createElement('canvas');\n"
            "      c.width = im.naturalWidth; c.height = im.naturalHeight;\n"
            "      var g = c.getContext('2d'); g.drawImage(im, 0, 0);\n"
            "      var d = g.getImageData(0, 0, c.width, c.height).data, s = 0, s2 = 0, n = d.length / 4;\n"
            "      for (var k = 0; k < d.length; k += 4) {\n"
            "        var y = 0.299 * d[k] + 0.587 * d[k + 1] + 0.114 * d[k + 2]; s += y; s2 += y * y;\n"
            "      }\n"
            "      var m = s / n; im.setAttribute('data-shown-std', Math.sqrt(Math.max(0, s2 / n - m * m)).toFixed(2));\n"
            "    } catch (e) { im.setAttribute('data-shown-std', 'unreadable'); }\n"
            "  }\n"
            "  document.body.setAttribute('data-images-loaded', ok);\n"
            "  document.body.setAttribute('data-images-broken', bad);\n"
            "});\n"
            "</script>\n</body>\n</html>\n";
    const String path = dir + "/index.html";
    writeFileAtomic(path, page.str());
    return path;
}

}  // namespace html
}  // namespace interp
}  // namespace cv
