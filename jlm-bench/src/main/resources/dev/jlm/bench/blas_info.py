# Which BLAS a peer really ran on and with how many threads: read from the libraries loaded into this process
# (call it after the peer's first matmul), so a figure never silently comes from the reference BLAS.
import ctypes


def blas_info():
    libraries = sorted({line.split()[-1] for line in open("/proc/self/maps")
                        if "blas" in line.lower() and ".so" in line})
    for path in libraries:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        # Debian's OpenBLAS exports plain names; the scipy-openblas wheels numpy ships prefix and suffix them.
        for prefix, suffix in (("", ""), ("scipy_", "64_"), ("scipy_", ""), ("", "64_")):
            config = getattr(library, prefix + "openblas_get_config" + suffix, None)
            if config is not None:
                config.restype = ctypes.c_char_p
                threads = getattr(library, prefix + "openblas_get_num_threads" + suffix)
                return {"blas": config().decode(), "blas_threads": threads()}
        if hasattr(library, "MKL_Get_Max_Threads"):
            return {"blas": "MKL " + path, "blas_threads": library.MKL_Get_Max_Threads()}
    return {"blas": "not OpenBLAS or MKL: " + (",".join(libraries) or "no BLAS library loaded"), "blas_threads": 1}
