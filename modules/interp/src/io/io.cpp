// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Files: NumPy .npy arrays, atomic writes, and the location of the embedded data.
#include "../precomp.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace cv {
namespace interp {

namespace {

String headerValue(const String& header, const String& key, const String& path)
{
    size_t k = header.find("'" + key + "'");
    if (k == String::npos)
        CV_Error(Error::StsParseError, "'" + path + "' is not a valid .npy file: its header has no '" + key + "'");
    size_t colon = header.find(':', k);
    size_t start = header.find_first_not_of(" ", colon + 1);
    size_t end;
    if (header[start] == '(')
        end = header.find(')', start) + 1;
    else if (header[start] == '\'')
        end = header.find('\'', start + 1) + 1;
    else
        end = header.find_first_of(",}", start);
    return header.substr(start, end - start);
}

bool fileExists(const String& path)
{
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

Mat readNpy(const String& path)
{
    std::ifstream f(path.c_str(), std::ios::binary);
    if (!f)
        CV_Error(Error::StsError, "cannot open '" + path + "': it does not exist or is not readable");
    char magic[6];
    f.read(magic, 6);
    if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0)
        CV_Error(Error::StsParseError, "'" + path + "' is not a .npy file (bad magic); save arrays with numpy.save");
    unsigned char ver[2];
    f.read((char*)ver, 2);
    uint32_t hlen = 0;
    if (ver[0] == 1)
    {
        unsigned char b[2];
        f.read((char*)b, 2);
        hlen = b[0] | (b[1] << 8);
    }
    else if (ver[0] == 2 || ver[0] == 3)
    {
        unsigned char b[4];
        f.read((char*)b, 4);
        hlen = b[0] | (b[1] << 8) | (b[2] << 16) | ((uint32_t)b[3] << 24);
    }
    else
        CV_Error(Error::StsParseError, cv::format("'%s': unsupported .npy version %d", path.c_str(), ver[0]));
    if (!f || hlen > (1u << 20))
        CV_Error(Error::StsParseError, "'" + path + "': truncated or corrupt .npy header");
    String header(hlen, ' ');
    f.read(&header[0], hlen);
    if (!f)
        CV_Error(Error::StsParseError, "'" + path + "': truncated .npy header");
    const String descr = headerValue(header, "descr", path);
    const String order = headerValue(header, "fortran_order", path);
    const String shapeStr = headerValue(header, "shape", path);
    if (order.find("False") == String::npos)
        CV_Error(Error::StsNotImplemented, "'" + path + "': Fortran-ordered arrays are not supported (save with np.ascontiguousarray)");
    std::vector<int> shape;
    {
        String inner = shapeStr.substr(1, shapeStr.size() - 2);
        std::stringstream ss(inner);
        String item;
        while (std::getline(ss, item, ','))
        {
            item.erase(0, item.find_first_not_of(" "));
            if (item.empty())
                continue;
            long v = std::strtol(item.c_str(), nullptr, 10);
            if (v < 0 || v > INT_MAX)
                CV_Error(Error::StsParseError, "'" + path + "': bad shape " + shapeStr);
            shape.push_back((int)v);
        }
    }
    if (shape.empty())
        shape.push_back(1);
    int depth;
    size_t elem;
    const String d = descr.substr(1, descr.size() - 2);
    if (d == "<f4" || d == "|f4") { depth = CV_32F; elem = 4; }
    else if (d == "<f8") { depth = CV_64F; elem = 8; }
    else if (d == "<i4") { depth = CV_32S; elem = 4; }
    else if (d == "<i8") { depth = -1; elem = 8; }
    else if (d == "|u1" || d == "<u1") { depth = CV_8U; elem = 1; }
    else
        CV_Error(Error::StsNotImplemented, "'" + path + "': unsupported dtype " + descr +
                                           " (use little-endian float32, float64, int32, int64 or uint8)");
    size_t total = 1;
    for (int s : shape)
        total *= (size_t)s;
    std::vector<char> raw(total * elem);
    if (total)
        f.read(raw.data(), raw.size());
    if (!f)
        CV_Error(Error::StsParseError, "'" + path + "': the file is shorter than its shape " + shapeStr + " needs");
    Mat out((int)shape.size(), shape.data(), CV_32F);
    float* dst = out.ptr<float>();
    for (size_t i = 0; i < total; i++)
    {
        const char* p = raw.data() + i * elem;
        switch (depth)
        {
        case CV_32F: { float v; std::memcpy(&v, p, 4); dst[i] = v; break; }
        case CV_64F: { double v; std::memcpy(&v, p, 8); dst[i] = (float)v; break; }
        case CV_32S: { int32_t v; std::memcpy(&v, p, 4); dst[i] = (float)v; break; }
        case CV_8U: dst[i] = (float)(unsigned char)*p; break;
        default: { int64_t v; std::memcpy(&v, p, 8); dst[i] = (float)v; break; }
        }
    }
    return out;
}

void writeFileAtomic(const String& path, const std::string& bytes)
{
    if (path.empty())
        CV_Error(Error::StsBadArg, "no output file name given");
    const String tmp = path + cv::format(".tmp%d", (int)::getpid());
    {
        std::ofstream f(tmp.c_str(), std::ios::binary | std::ios::trunc);
        if (!f)
            CV_Error(Error::StsError, "cannot write '" + path + "': " + std::strerror(errno) +
                                      " (does the directory exist and is it writable?)");
        f.write(bytes.data(), (std::streamsize)bytes.size());
        f.flush();
        if (!f)
        {
            std::remove(tmp.c_str());
            CV_Error(Error::StsError, "cannot write '" + path + "': " + std::strerror(errno));
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
    {
        int err = errno;
        std::remove(tmp.c_str());
        CV_Error(Error::StsError, "cannot write '" + path + "': " + std::strerror(err));
    }
}

void writeNpy(const String& path, InputArray array)
{
    Mat m = array.getMat();
    if (m.empty())
        CV_Error(Error::StsBadArg, "writeNpy: the array is empty");
    if (m.depth() != CV_32F)
        m.convertTo(m, CV_32F);
    if (!m.isContinuous())
        m = m.clone();
    std::vector<int> shape;
    if (m.dims == 2 && m.channels() > 1)
        shape = { m.rows, m.cols, m.channels() };
    else
        for (int i = 0; i < m.dims; i++)
            shape.push_back(m.size[i]);
    std::ostringstream h;
    h << "{'descr': '<f4', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < shape.size(); i++)
        h << shape[i] << (shape.size() == 1 || i + 1 < shape.size() ? "," : "") << (i + 1 < shape.size() ? " " : "");
    h << "), }";
    String header = h.str();
    size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes.push_back((char)(header.size() & 0xff));
    bytes.push_back((char)((header.size() >> 8) & 0xff));
    bytes += header;
    bytes.append((const char*)m.data, m.total() * m.elemSize());
    writeFileAtomic(path, bytes);
}

void writeImage(const String& path, InputArray image)
{
    Mat img = image.getMat();
    if (img.empty())
        CV_Error(Error::StsBadArg, "cannot write '" + path + "': the image is empty");
    size_t dot = path.rfind('.');
    if (dot == String::npos)
        CV_Error(Error::StsBadArg, "cannot write '" + path + "': give the file an image extension (.png, .jpg, ...)");
    std::vector<uchar> buf;
    bool ok = false;
    try
    {
        ok = cv::imencode(path.substr(dot), img, buf);
    }
    catch (const cv::Exception& e)
    {
        CV_Error(Error::StsError, "cannot encode '" + path + "': " + e.err);
    }
    if (!ok)
        CV_Error(Error::StsError, "cannot encode '" + path + "' in the format of its extension");
    writeFileAtomic(path, std::string(buf.begin(), buf.end()));
}

static bool holdsData(const String& dir)
{
    return fileExists(dir + "/models") && fileExists(dir + "/classes.txt");
}

String dataDirectory()
{
    // An explicit INTERP_DATA_DIR is used alone: pointing it at the wrong place is an error, not a fallback.
    const char* env = std::getenv("INTERP_DATA_DIR");
    if (env && *env)
    {
        if (holdsData(env))
            return env;
        CV_Error(Error::StsObjectNotFound, cv::format("INTERP_DATA_DIR is set to '%s', which does not hold the embedded "
                                                      "data (models/ and classes.txt): point it at the repository's data/ "
                                                      "directory or at <prefix>/share/interp/data, or unset it", env));
    }
    std::vector<String> candidates;
#ifdef INTERP_SOURCE_DATA_DIR
    candidates.push_back(INTERP_SOURCE_DATA_DIR);
#endif
#ifdef INTERP_INSTALL_DATA_DIR
    candidates.push_back(INTERP_INSTALL_DATA_DIR);
#endif
    candidates.push_back("/usr/local/share/interp/data");
    candidates.push_back("/usr/share/interp/data");
    for (const String& c : candidates)
        if (holdsData(c))
            return c;
    std::ostringstream s;
    s << "cannot find the embedded models and images; looked in:";
    for (const String& t : candidates)
        s << " " << t << ";";
    s << " set INTERP_DATA_DIR to the repository's data/ directory or to <prefix>/share/interp/data";
    CV_Error(Error::StsObjectNotFound, s.str());
}

String findDataFile(const String& relativePath)
{
    const String dir = dataDirectory();
    const String path = dir + "/" + relativePath;
    if (!fileExists(path))
        CV_Error(Error::StsObjectNotFound, "the embedded data file '" + relativePath + "' is missing from " + dir +
                                           " (regenerate it with the scripts in data/)");
    return path;
}

}  // namespace interp
}  // namespace cv
