#!/bin/bash
# Builds interp inside OpenCV as a contrib module, with the Python bindings (cv2.interp), and runs the
# in-tree C++ tests (opencv_test_interp) and the Python tests.
#
#   scripts/build-in-opencv.sh [--no-tests]
#
# The OpenCV 4.6 source (with contrib) comes from Debian's source package (apt-get source opencv; deb-src is
# enabled if needed). Everything goes to $INTERP_OPENCV_WORK (default: build-opencv/ in the repository);
# a previous build there is reused. OPENCV_SOURCE_DIR=<dir> uses an existing OpenCV source tree instead.
# With your own OpenCV 4.x checkout the equivalent is:
#   cmake -S opencv -B build -DOPENCV_EXTRA_MODULES_PATH=<repo>/modules -DBUILD_opencv_python3=ON ...
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${INTERP_OPENCV_WORK:-$ROOT/build-opencv}"
BUILD="$WORK/build"
JOBS="${JOBS:-$(nproc)}"
RUN_TESTS=1
[ "${1:-}" = "--no-tests" ] && RUN_TESTS=0
BUILD_LIST="${INTERP_BUILD_LIST:-core,imgproc,imgcodecs,dnn,ts,python3,interp}"

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
need=()
for p in dpkg-dev build-essential cmake python3-dev python3-numpy libprotobuf-dev protobuf-compiler \
         libpng-dev libjpeg-dev libtiff-dev libwebp-dev zlib1g-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "build-in-opencv: installing ${need[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 1. The OpenCV source, with contrib, from Debian's source package.
if [ -n "${OPENCV_SOURCE_DIR:-}" ]; then
    SRC="$OPENCV_SOURCE_DIR"
else
    SRC="$(ls -d "$WORK"/src/opencv-4.6.0* 2>/dev/null | head -n1 || true)"
    if [ -z "$SRC" ]; then
        if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
            echo "build-in-opencv: enabling deb-src in /etc/apt/sources.list.d/debian.sources" >&2
            $SUDO sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
            $SUDO apt-get update -qq
        fi
        mkdir -p "$WORK/src"
        (cd "$WORK/src" && apt-get source -qq opencv)
        SRC="$(ls -d "$WORK"/src/opencv-4.6.0* | head -n1)"
    fi
fi
echo "build-in-opencv: OpenCV source $SRC" >&2

# 2. Configure (only what interp and the Python bindings need) and build; the build directory is reused.
mkdir -p "$WORK"
start=$(date +%s)
cmake -S "$SRC" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DOPENCV_EXTRA_MODULES_PATH="$ROOT/modules" \
    -DBUILD_LIST="$BUILD_LIST" \
    -DBUILD_opencv_python3=ON -DPYTHON3_EXECUTABLE=/usr/bin/python3 -DBUILD_opencv_python2=OFF \
    -DBUILD_TESTS=ON -DBUILD_PERF_TESTS=ON -DBUILD_EXAMPLES=OFF -DBUILD_opencv_apps=OFF -DBUILD_DOCS=OFF \
    -DBUILD_JAVA=OFF -DBUILD_opencv_js=OFF \
    -DBUILD_PROTOBUF=OFF -DPROTOBUF_UPDATE_FILES=ON -DWITH_PROTOBUF=ON \
    -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_OPENCL=OFF -DWITH_CUDA=OFF -DWITH_GTK=OFF -DWITH_QT=OFF \
    -DWITH_FFMPEG=OFF -DWITH_GSTREAMER=OFF -DWITH_V4L=OFF -DWITH_1394=OFF -DWITH_OPENEXR=OFF -DWITH_JASPER=OFF \
    -DWITH_OPENJPEG=OFF -DWITH_GDAL=OFF -DWITH_GDCM=OFF -DWITH_VTK=OFF -DWITH_EIGEN=OFF -DWITH_LAPACK=OFF \
    -DWITH_ADE=OFF -DWITH_QUIRC=OFF -DWITH_TBB=OFF -DWITH_OPENGL=OFF -DWITH_CAROTENE=OFF \
    -DOPENCV_DOWNLOAD_TRIES_LIST= -DOPENCV_SKIP_PYTHON_LOADER=ON \
    >"$WORK/configure.log"
# Only what interp needs: its library, tests, perf tests and the Python module (not every module's tests).
TARGETS=()
for t in $(echo "$BUILD_LIST" | tr ',' ' '); do
    case "$t" in
        python3) TARGETS+=(opencv_python3) ;;
        interp) TARGETS+=(opencv_interp opencv_test_interp opencv_perf_interp) ;;
        *) TARGETS+=("opencv_$t") ;;
    esac
done
cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"
echo "build-in-opencv: build took $(( $(date +%s) - start )) s" >&2

[ $RUN_TESTS -eq 1 ] || exit 0
case ",$BUILD_LIST," in *,interp,*) ;; *) exit 0 ;; esac

# 3. The in-tree C++ tests (opencv_ts) and the Python tests on the embedded models.
export INTERP_DATA_DIR="$ROOT/data"
"$BUILD/bin/opencv_test_interp" --gtest_color=no
PYDIR="$(dirname "$(find "$BUILD/lib" -name 'cv2*.so' | head -n1)")"
PYTHONPATH="$PYDIR" /usr/bin/python3 -m unittest discover -v -s "$ROOT/modules/interp/misc/python/test" -p 'test_*.py'
