#!/usr/bin/env python3
# This file is part of the interp module (explanations for cv::dnn networks).
# It is subject to the license terms in the LICENSE file found in the top-level directory.
"""Explains one classification with cv2.interp: Grad-CAM and occlusion overlays, and the object cut out with
saliency -> GrabCut. Without arguments it uses the module's embedded model and first demo image.

    python3 explain_image.py [IMAGE] [OUT_PREFIX]
"""
import sys

import cv2 as cv


def main():
    info = cv.interp.embeddedModel()
    path = sys.argv[1] if len(sys.argv) > 1 else cv.interp.demoImages()[0]
    out = sys.argv[2] if len(sys.argv) > 2 else "explain"
    image = cv.imread(path)
    if image is None:
        sys.exit("cannot read the image '%s'" % path)
    ex = cv.interp.readNet(info.model)
    blob = info.preprocessing.toBlob([image])
    cls = int(cv.interp.predictClasses(ex, blob)[0])
    target = [cv.interp.Target_classScore(cls)]
    print("%s: %s" % (path, info.className(cls)))

    cam = cv.interp.gradCam(ex, blob, target)
    occ = cv.interp.occlusion(ex, blob, target)
    cv.interp.writeImage(out + "_gradcam.png", cv.interp.overlayOnOriginal(image, cam.maps[0], info.preprocessing))
    cv.interp.writeImage(out + "_occlusion.png", cv.interp.overlayOnOriginal(image, occ.maps[0], info.preprocessing))
    mask, cutout = cv.interp.segmentFromSaliency(image, info.preprocessing.mapToImage(cam.maps[0], image.shape[1::-1]))[:2]
    cv.interp.writeImage(out + "_mask.png", mask)
    cv.interp.writeImage(out + "_cutout.png", cutout)
    print("wrote %s_{gradcam,occlusion,mask,cutout}.png" % out)


if __name__ == "__main__":
    main()
