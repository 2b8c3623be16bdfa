// This file is part of the interp module (explanations for cv::dnn networks).
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Evaluation results as JSON (written by hand, read with cv::FileStorage) and the exact merge of shards.
#include "../precomp.hpp"
#include "../io/json.hpp"
#include "../io/filesystem.hpp"
#include "../io/result_io.hpp"

#include <fstream>
#include <limits>
#include <sstream>

namespace cv {
namespace interp {

void finishEvaluation(EvaluationReport& r);  // evaluation_run.cpp

namespace {

const char* kFormat = "interp-evaluation";
const int kVersion = 1;

ResultFile resultFile(const String& path)
{
    return ResultFile{ path, "evaluation result", kFormat, kVersion,
                       "'interp evaluate --json' or cv::interp::writeEvaluationResult" };
}

//! A double that reads back bit-exactly; NaN and infinities (not JSON numbers) as the strings "nan", "inf", "-inf".
String real(double v)
{
    if (cvIsNaN(v))
        return "\"nan\"";
    if (cvIsInf(v))
        return v > 0 ? "\"inf\"" : "\"-inf\"";
    return json::number(v);
}

double readReal(const ResultFile& file, const FileNode& n)
{
    if (n.isString())
    {
        const String s = (String)n;
        if (s == "nan")
            return std::numeric_limits<double>::quiet_NaN();
        if (s == "inf" || s == "-inf")
            return s == "inf" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
        file.bad("'" + s + "' is not a number");
    }
    if (!n.isReal() && !n.isInt())
        file.bad("a value is not a number");
    return (double)n;
}

std::vector<double> readReals(const ResultFile& file, const FileNode& n)
{
    std::vector<double> v;
    for (FileNodeIterator it = n.begin(); it != n.end(); ++it)
        v.push_back(readReal(file, *it));
    return v;
}

//! The per-image vectors of a method, in file order.
struct MetricColumn
{
    const char* key;
    std::vector<double> MethodEvaluation::*values;
};
const MetricColumn kColumns[] = { { "iou", &MethodEvaluation::iou },
                                  { "pointing", &MethodEvaluation::pointing },
                                  { "mass", &MethodEvaluation::mass },
                                  { "deletion", &MethodEvaluation::deletion },
                                  { "insertion", &MethodEvaluation::insertion } };

}  // namespace

bool EvaluationReport::complete() const
{
    return shardsComplete(shards, shardCount);
}

void writeEvaluationResult(const String& path, const EvaluationReport& r)
{
    const size_t n = r.images.size();
    if (r.imageIndices.size() != n || r.labels.size() != n || r.predictions.size() != n || r.targets.size() != n ||
        r.objectFractions.size() != n || r.pointingChances.size() != n)
        CV_Error(Error::StsBadArg, "inconsistent evaluation result: images, imageIndices, labels, predictions, targets, "
                                   "objectFractions and pointingChances must have one entry per image (results of "
                                   "evaluateSaliency() have)");
    std::ostringstream s;
    s << "{\n";
    s << "  \"format\": " << json::str(kFormat) << ",\n";
    s << "  \"version\": " << kVersion << ",\n";
    s << "  \"model\": " << json::str(r.model) << ",\n";
    s << "  \"settings\": " << json::str(r.settings) << ",\n";
    s << "  \"dataset\": {\"images\": " << r.datasetSize << ", \"hash\": " << json::str(r.datasetHash)
      << ", \"shard_count\": " << r.shardCount << ", \"shards\": " << json::array(r.shards, json::integer) << "},\n";
    s << "  \"accuracy\": " << real(r.accuracy) << ",\n";
    s << "  \"random_pointing\": " << real(r.randomPointing) << ",\n";
    s << "  \"mean_object_fraction\": " << real(r.meanObjectFraction) << ",\n";
    s << "  \"images\": {\n";
    s << "    \"index\": " << json::array(r.imageIndices, json::integer) << ",\n";
    s << "    \"file\": " << json::array(r.images, json::str) << ",\n";
    s << "    \"label\": " << json::array(r.labels, json::integer) << ",\n";
    s << "    \"prediction\": " << json::array(r.predictions, json::integer) << ",\n";
    s << "    \"target\": " << json::array(r.targets, json::integer) << ",\n";
    s << "    \"object_fraction\": " << json::array(r.objectFractions, real) << ",\n";
    s << "    \"pointing_chance\": " << json::array(r.pointingChances, real) << "\n";
    s << "  },\n";
    s << "  \"methods\": [";
    for (size_t m = 0; m < r.methods.size(); m++)
    {
        const MethodEvaluation& me = r.methods[m];
        s << (m ? "," : "") << "\n    {\"method\": " << json::str(me.method) << ", \"seconds\": " << real(me.seconds)
          << ", \"sanity\": " << real(me.sanityCorrelation) << ",\n     \"means\": {\"iou\": " << real(me.meanIoU)
          << ", \"pointing\": " << real(me.pointingRate) << ", \"mass\": " << real(me.meanMass)
          << ", \"deletion\": " << real(me.deletionAUC) << ", \"insertion\": " << real(me.insertionAUC) << "}";
        for (const MetricColumn& c : kColumns)
            s << ",\n     \"" << c.key << "\": " << json::array(me.*c.values, real);
        s << "}";
    }
    s << "\n  ]\n}\n";
    writeFileAtomic(path, s.str());
}

EvaluationReport readEvaluationResult(const String& path)
{
    const ResultFile file = resultFile(path);
    FileStorage fs;
    const FileNode root = file.open(fs);
    auto need = [&](const FileNode& parent, const char* key) { return file.need(parent, key); };
    EvaluationReport r;
    r.model = (String)need(root, "model");
    r.settings = (String)need(root, "settings");
    const FileNode ds = need(root, "dataset");
    r.datasetSize = (int)need(ds, "images");
    r.datasetHash = (String)need(ds, "hash");
    r.shardCount = (int)need(ds, "shard_count");
    r.shards = readInts(need(ds, "shards"));
    r.accuracy = readReal(file, need(root, "accuracy"));
    r.randomPointing = readReal(file, need(root, "random_pointing"));
    r.meanObjectFraction = readReal(file, need(root, "mean_object_fraction"));
    const FileNode im = need(root, "images");
    r.imageIndices = readInts(need(im, "index"));
    const FileNode files = need(im, "file");
    for (FileNodeIterator it = files.begin(); it != files.end(); ++it)
        r.images.push_back((String)*it);
    r.labels = readInts(need(im, "label"));
    r.predictions = readInts(need(im, "prediction"));
    r.targets = readInts(need(im, "target"));
    r.objectFractions = readReals(file, need(im, "object_fraction"));
    r.pointingChances = readReals(file, need(im, "pointing_chance"));
    const size_t n = r.images.size();
    if (r.imageIndices.size() != n || r.labels.size() != n || r.predictions.size() != n || r.targets.size() != n ||
        r.objectFractions.size() != n || r.pointingChances.size() != n)
        file.bad("the per-image lists have different lengths");
    for (int i : r.imageIndices)
        if (i < 0 || i >= r.datasetSize)
            file.bad(cv::format("image index %d outside the image set of %d", i, r.datasetSize));
    const FileNode methods = need(root, "methods");
    if (!methods.isSeq())
        file.bad("'methods' must be a list");
    for (FileNodeIterator mi = methods.begin(); mi != methods.end(); ++mi)
    {
        const FileNode m = *mi;
        MethodEvaluation me;
        me.method = (String)need(m, "method");
        me.seconds = readReal(file, need(m, "seconds"));
        me.sanityCorrelation = readReal(file, need(m, "sanity"));
        const FileNode means = need(m, "means");
        me.meanIoU = readReal(file, need(means, "iou"));
        me.pointingRate = readReal(file, need(means, "pointing"));
        me.meanMass = readReal(file, need(means, "mass"));
        me.deletionAUC = readReal(file, need(means, "deletion"));
        me.insertionAUC = readReal(file, need(means, "insertion"));
        for (const MetricColumn& c : kColumns)
        {
            me.*c.values = readReals(file, need(m, c.key));
            if (!(me.*c.values).empty() && (me.*c.values).size() != n)
                file.bad(cv::format("method '%s' has %d '%s' values for %d images", me.method.c_str(),
                                         (int)(me.*c.values).size(), c.key, (int)n));
        }
        r.methods.push_back(me);
    }
    return r;
}

EvaluationReport mergeEvaluationResults(const std::vector<EvaluationReport>& parts)
{
    if (parts.empty())
        CV_Error(Error::StsBadArg, "nothing to merge: give at least one evaluation result");
    const EvaluationReport& a = parts[0];
    std::vector<int> shards;
    std::vector<std::pair<int, std::pair<size_t, size_t> > > order;  // (image index, (part, position in the part))
    for (size_t i = 0; i < parts.size(); i++)
    {
        const EvaluationReport& b = parts[i];
        auto mismatch = [&](const String& what) {
            CV_Error(Error::StsBadArg, cv::format("cannot merge evaluation result %d with result 0: %s differ; merge "
                                                  "only shards of one run (same model, methods, metrics, options, "
                                                  "preprocessing and images)", (int)i, what.c_str()));
        };
        if (fs::baseName(b.model) != fs::baseName(a.model))  // shards may run where the files live elsewhere
            mismatch("the models");
        if (b.settings != a.settings)
            mismatch("the settings (" + b.settings + " vs " + a.settings + ")");
        if (b.datasetSize != a.datasetSize || b.datasetHash != a.datasetHash)
            mismatch("the image sets");
        if (b.shardCount != a.shardCount)
            mismatch("the shard counts");
        if (b.methods.size() != a.methods.size())
            mismatch("the methods");
        for (size_t m = 0; m < b.methods.size(); m++)
            if (b.methods[m].method != a.methods[m].method)
                mismatch("the methods");
        const size_t n = b.images.size();
        if (b.imageIndices.size() != n || b.labels.size() != n || b.predictions.size() != n ||
            b.targets.size() != n || b.objectFractions.size() != n || b.pointingChances.size() != n)
            CV_Error(Error::StsBadArg, cv::format("evaluation result %d is inconsistent: its per-image lists have "
                                                  "different lengths", (int)i));
        for (const MethodEvaluation& me : b.methods)
            for (const MetricColumn& c : kColumns)
                if (!(me.*c.values).empty() && (me.*c.values).size() != n)
                    CV_Error(Error::StsBadArg, cv::format("evaluation result %d is inconsistent: method '%s' has %d "
                                                          "'%s' values for %d images", (int)i, me.method.c_str(),
                                                          (int)(me.*c.values).size(), c.key, (int)n));
        addShards(shards, b.shards, b.shardCount, (int)i);
        for (size_t k = 0; k < n; k++)
            order.push_back(std::make_pair(b.imageIndices[k], std::make_pair(i, k)));
    }
    std::sort(order.begin(), order.end());
    for (size_t k = 1; k < order.size(); k++)
        if (order[k].first == order[k - 1].first)
            CV_Error(Error::StsBadArg, cv::format("image %d appears in two evaluation results: merge each shard once",
                                                  order[k].first));

    EvaluationReport m;
    m.model = a.model;
    m.settings = a.settings;
    m.datasetSize = a.datasetSize;
    m.datasetHash = a.datasetHash;
    std::sort(shards.begin(), shards.end());
    m.shardCount = a.shardCount;
    m.shards = shards;
    if (m.complete())
    {
        m.shardCount = 1;  // every shard is here: the result is the single run's
        m.shards = std::vector<int>(1, 0);
    }
    m.methods.resize(a.methods.size());
    for (size_t k = 0; k < m.methods.size(); k++)
    {
        MethodEvaluation& me = m.methods[k];
        me.method = a.methods[k].method;
        me.seconds = 0;
        for (const EvaluationReport& b : parts)
        {
            me.seconds += b.methods[k].seconds;
            // "sanity" is computed by the shard holding batch 0 (NaN elsewhere)
            if (std::find(b.shards.begin(), b.shards.end(), 0) != b.shards.end())
                me.sanityCorrelation = b.methods[k].sanityCorrelation;
        }
    }
    for (const auto& o : order)
    {
        const EvaluationReport& b = parts[o.second.first];
        const size_t k = o.second.second;
        m.imageIndices.push_back(b.imageIndices[k]);
        m.images.push_back(b.images[k]);
        m.labels.push_back(b.labels[k]);
        m.predictions.push_back(b.predictions[k]);
        m.targets.push_back(b.targets[k]);
        m.objectFractions.push_back(b.objectFractions[k]);
        m.pointingChances.push_back(b.pointingChances[k]);
        for (size_t j = 0; j < m.methods.size(); j++)
            for (const MetricColumn& c : kColumns)
                if (!(b.methods[j].*c.values).empty())
                    (m.methods[j].*c.values).push_back((b.methods[j].*c.values)[k]);
    }
    for (const MethodEvaluation& me : m.methods)
        for (const MetricColumn& c : kColumns)
            if (!(me.*c.values).empty() && (me.*c.values).size() != m.images.size())
                CV_Error(Error::StsBadArg, cv::format("the evaluation results disagree on whether method '%s' has "
                                                      "'%s' values: merge only shards of one run", me.method.c_str(),
                                                      c.key));
    finishEvaluation(m);
    return m;
}

}  // namespace interp
}  // namespace cv
