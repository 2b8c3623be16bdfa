#!/usr/bin/env python3
# This file is part of the interp module (explanations for cv::dnn networks).
# It is subject to the license terms in the LICENSE file found in the top-level directory.
"""cv2.interp from Python: the main methods on the embedded and reference models, compared with PyTorch autograd
references (data/reference, data/methods) and, when the standalone build's `interp` tool is available, with the C++
results it writes (set INTERP_CLI, or build the repository's top level into build/).

Run:  PYTHONPATH=<opencv build>/lib/python3 python3 -m unittest discover -s modules/interp/misc/python/test
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np
import cv2 as cv

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
DATA = os.environ.get("INTERP_DATA_DIR", os.path.join(ROOT, "data"))


def rel_l2(a, b):
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def cli_path():
    p = os.environ.get("INTERP_CLI", os.path.join(ROOT, "build", "bin", "interp"))
    return p if os.path.isfile(p) and os.access(p, os.X_OK) else None


class InterpEngineTest(unittest.TestCase):
    def test_gradients_match_pytorch(self):
        d = os.path.join(DATA, "reference", "alexnet")
        ref = read_json(os.path.join(d, "reference.json"))
        ex = cv.interp.readNet(os.path.join(d, ref["model"]))
        x = np.load(os.path.join(d, ref["input"]))
        variants = {"standard": cv.interp.BACKWARD_STANDARD, "guided": cv.interp.BACKWARD_GUIDED,
                    "deconvnet": cv.interp.BACKWARD_DECONVNET}
        for case in ref["cases"]:
            t = case["target"]
            if t["kind"] == "class":
                targets = [cv.interp.Target_classScore(k) for k in t["classes"]]
            elif t["kind"] == "neuron":
                targets = [cv.interp.Target_neuron(t["layer"], t["channel"], t["y"], t["x"])]
            else:
                targets = [cv.interp.Target_channel(t["layer"], t["channel"])]
            g = ex.gradient(x, targets, variants[case["rule"]])
            expected = np.load(os.path.join(d, case["grad"]))
            self.assertEqual(g.shape, expected.shape)
            self.assertLess(rel_l2(g, expected), 1e-4, case)

    def test_layers_and_graph(self):
        info = cv.interp.embeddedModel("resnet_fmnist")
        ex = cv.interp.readNet(info.model)
        names = ex.layerNames()
        self.assertIn(info.lastConvLayer, names)
        self.assertTrue(len(names) > 10)

    def test_errors_are_cv_exceptions(self):
        with self.assertRaises(cv.error):
            cv.interp.readNet(os.path.join(DATA, "no_such_model.onnx"))
        info = cv.interp.embeddedModel("resnet_fmnist")
        ex = cv.interp.readNet(info.model)
        blob = np.zeros((1, 3, 112, 112), np.float32)
        with self.assertRaises(cv.error) as cm:
            ex.gradient(blob, [cv.interp.Target_channel("no_such_layer", 0)])
        self.assertIn("no_such_layer", str(cm.exception))


class InterpMethodsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.refs = read_json(os.path.join(DATA, "methods", "methods.json"))["models"]["resnet_fmnist"]
        cls.info = cv.interp.embeddedModel("resnet_fmnist")
        cls.ex = cv.interp.readNet(cls.info.model)
        cls.image = cv.imread(os.path.join(DATA, cls.refs["image"]))
        cls.blob = cls.info.preprocessing.toBlob([cls.image])
        cls.target = [cv.interp.Target_classScore(cls.refs["class"])]

    def ref(self, name):
        return np.load(os.path.join(DATA, "methods", name))

    def test_gradcam_matches_pytorch(self):
        p = cv.interp.GradCamParams()
        p.layer = self.refs["gradcam"]["layer"]
        a = cv.interp.gradCam(self.ex, self.blob, self.target, p)
        self.assertLess(rel_l2(a.layerMaps[0], self.ref(self.refs["gradcam"]["layer_map"])), 1e-4)
        self.assertLess(rel_l2(a.maps[0], self.ref(self.refs["gradcam"]["map"])), 1e-4)

    def test_input_x_gradient_matches_pytorch(self):
        a = cv.interp.inputXGradient(self.ex, self.blob, self.target)
        self.assertLess(rel_l2(a.attribution, self.ref(self.refs["input_x_gradient"]["attribution"])), 1e-4)

    def test_integrated_gradients_completeness(self):
        p = cv.interp.IntegratedGradientsParams()
        p.steps = 64
        a = cv.interp.integratedGradients(self.ex, self.blob, self.target, p)
        self.assertLess(a.completenessErrors[0], 0.01 * abs(a.scores[0] - a.baselineScores[0]))

    def test_attribute_by_name_and_visualisation(self):
        for m in cv.interp.attributionMethodNames():
            p = cv.interp.AttributionParams()
            p.method = cv.interp.parseAttributionMethod(m)
            maps = cv.interp.attribute(self.ex, self.blob, self.target, p).maps
            self.assertEqual(maps[0].shape, (112, 112), m)
        overlay = cv.interp.overlayHeatmap(self.image, maps[0])
        self.assertEqual(overlay.shape, (112, 112, 3))
        self.assertEqual(overlay.dtype, np.uint8)

    def test_preprocessing_with_a_per_channel_std(self):
        # torchvision's normalisation, checked against numpy: (x[RGB] - mean) / std, 0-255 units.
        p = cv.interp.Preprocessing()
        p.size = (112, 112)
        p.swapRB = True
        p.mean = (123.675, 116.28, 103.53)
        p.std = (58.395, 57.12, 57.375)
        blob = p.toBlob([self.image])
        rgb = cv.resize(self.image, (112, 112)).astype(np.float64)[..., ::-1]
        ref = ((rgb - np.array(p.mean[:3])) / np.array(p.std[:3])).transpose(2, 0, 1)[None]
        self.assertLess(np.abs(blob - ref).max(), 1e-4)
        self.assertLessEqual(np.abs(p.toImage(blob).astype(int) - cv.resize(self.image, (112, 112)).astype(int)).max(), 1)

    def test_describe_model(self):
        info = cv.interp.describeModel(self.ex, self.info)
        self.assertEqual(len(info.classNames), 10)
        self.assertTrue(info.lastConvLayer)

    def test_occlusion_engines_agree(self):
        p = cv.interp.OcclusionParams()
        p.window, p.stride = 16, 12
        p.engine = cv.interp.OCCLUSION_ENGINE_BATCHED
        occ = cv.interp.Occlusion_create(self.ex)
        batched = occ.scores(self.blob, "", p)
        p.engine = cv.interp.OCCLUSION_ENGINE_INCREMENTAL
        incremental = occ.scores(self.blob, "", p)
        self.assertEqual(batched.scores.shape, (1, 10, 9, 9))
        np.testing.assert_allclose(incremental.scores, batched.scores, rtol=1e-5, atol=1e-6)
        a = occ.compute(self.blob, self.target, p)
        self.assertEqual(a.layerMaps[0].shape, (9, 9))
        np.testing.assert_allclose(a.layerMaps[0], batched.scores[0, self.refs["class"]], rtol=1e-5, atol=1e-6)

    def test_segmentation_and_evaluation(self):
        data = cv.interp.readGroundTruth(os.path.join(DATA, "scenes", "test"), "", 4)
        self.assertEqual(len(data.images), 4)
        ep = cv.interp.EvaluationParams()
        ep.methods = ["gradcam"]
        ep.metrics = ["iou", "pointing", "mass"]
        r = cv.interp.evaluateSaliency(self.ex, self.info, data, [], ep)  # []: the predicted classes
        self.assertTrue(r.table("csv").startswith("method,images,grabcut_iou"))
        self.assertEqual(list(r.targets), list(r.predictions))
        targets = cv.interp.targetsFromLabels(self.ex, self.info, data, ep.batchSize)
        self.assertEqual([t.index for t in targets], list(data.labels))
        self.assertEqual(list(cv.interp.evaluateSaliency(self.ex, self.info, data, targets, ep).targets),
                         list(data.labels))
        m = r.method("gradcam")
        self.assertEqual(len(m.iou), 4)
        self.assertGreater(m.meanIoU, 0.3)
        maps = cv.interp.gradCam(self.ex, self.blob, self.target).maps
        mask, cutout = cv.interp.segmentFromSaliency(self.image, maps[0])[:2]
        self.assertEqual(mask.shape, (112, 112))

    def test_synthesis_raises_the_class_score(self):
        p = cv.interp.SynthesisParams()
        p.iterations = 30
        r = cv.interp.synthesize(self.ex, [cv.interp.Target_classScore(1)], self.info.preprocessing, p)
        self.assertEqual(r.images[0].shape, (112, 112, 3))
        self.assertGreater(r.finalObjective[0], r.initialObjective[0] + 1.0)


@unittest.skipIf(cli_path() is None, "the standalone build's interp tool is not built (set INTERP_CLI)")
class InterpPythonVsCppTest(unittest.TestCase):
    """cv2.interp and the C++ command-line tool give the same numbers on the embedded model and demo image."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.info = cv.interp.embeddedModel()
        self.ex = cv.interp.readNet(self.info.model)
        self.image_path = cv.interp.demoImages()[0]
        self.blob = self.info.preprocessing.toBlob([cv.imread(self.image_path)])
        self.cls = int(np.argmax(self.ex.forward(self.blob).output(self.ex.layerNames()[-1])))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_cli(self, *args):
        env = dict(os.environ, INTERP_DATA_DIR=DATA)
        subprocess.run([cli_path()] + list(args), check=True, env=env, stdout=subprocess.DEVNULL)

    def test_gradient_and_gradcam(self):
        for method in ("gradient", "guided", "gradcam"):
            out = os.path.join(self.tmp, method + ".npy")
            self.run_cli("saliency", "--image", self.image_path, "--class", str(self.cls), "--method", method,
                         "--raw-grad", out)
            mine = cv.interp.attribute(self.ex, self.blob, [cv.interp.Target_classScore(self.cls)],
                                       self._params(method)).attribution
            self.assertLess(rel_l2(mine, np.load(out)), 1e-6, method)

    def test_occlusion(self):
        out = os.path.join(self.tmp, "occ.npy")
        self.run_cli("occlusion", "--image", self.image_path, "--class", str(self.cls), "--window", "16",
                     "--stride", "8", "--raw", out)
        p = cv.interp.OcclusionParams()
        p.window, p.stride = 16, 8
        mine = cv.interp.occlusion(self.ex, self.blob, [cv.interp.Target_classScore(self.cls)], p).layerMaps[0]
        np.testing.assert_allclose(mine, np.load(out).reshape(mine.shape), rtol=1e-5, atol=1e-6)

    @staticmethod
    def _params(method):
        p = cv.interp.AttributionParams()
        p.method = cv.interp.parseAttributionMethod(method)
        return p


if __name__ == "__main__":
    unittest.main()
