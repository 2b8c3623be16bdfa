// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Building blocks of the static HTML report (internal).
#ifndef OPENCV_INTERP_REPORT_HTML_HPP
#define OPENCV_INTERP_REPORT_HTML_HPP

#include "../precomp.hpp"

#include <map>
#include <sstream>

namespace cv {
namespace interp {
namespace html {

//! &, <, >, " escaped.
String escape(const String& s);

//! A small Markdown subset (headings, paragraphs, lists, tables, code spans and blocks, bold) to HTML.
String fromMarkdown(const String& markdown);

/** @brief An HTML page assembled section by section, with its images written beside it.

Images go to `<dir>/img/<name>.png` (written atomically); the page refers to them relatively, so the
directory can be moved or served as is. The page has no external assets; a small inline script records how
many images loaded (data attributes on <body>) so headless browsers can check it.
*/
class Page
{
public:
    Page(const String& dir, const String& title);
    //! Starts a section with an anchor (listed in the table of contents).
    void section(const String& id, const String& title, const String& intro = String());
    //! Raw HTML.
    void raw(const String& htmlText);
    //! A paragraph of plain text.
    void paragraph(const String& text);
    //! `data-<key>="value"` attributes of a figure's image: what it should show, for readers and tests.
    typedef std::map<String, String> Data;
    /** @brief Writes `image` as img/<name>.png and adds a figure with a caption; returns the relative path.
    The image element carries `data-std` (the standard deviation of its grey levels, as written: 0 for a constant
    picture) and the given `data` attributes; the page's script adds `data-shown-std`, the same measured on what the
    browser decoded and shows. */
    String figure(const String& name, const Mat& image, const String& caption, int displayWidth = 0,
                  const Data& data = Data());
    //! A grid of figures (one row), same as figure() for each (`data` empty or one per image).
    void figureRow(const std::vector<String>& names, const std::vector<Mat>& images,
                   const std::vector<String>& captions, int displayWidth = 0,
                   const std::vector<Data>& data = std::vector<Data>());
    //! A table; `header` may be empty. Cells are escaped.
    void table(const std::vector<String>& header, const std::vector<std::vector<String> >& rows,
               const String& cssClass = String());
    //! Writes index.html (atomically) and returns its path.
    String write() const;

    int imageCount() const { return images; }

private:
    String dir, title;
    std::ostringstream body;
    std::vector<std::pair<String, String> > toc;
    int images = 0;
    bool sectionOpen = false;
};

}  // namespace html
}  // namespace interp
}  // namespace cv

#endif
