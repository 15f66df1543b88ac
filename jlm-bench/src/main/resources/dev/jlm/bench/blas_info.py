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
        if hasattr(library, "openblas_get_config"):
            library.openblas_get_config.restype = ctypes.c_char_p
            return {"blas": library.openblas_get_config().decode(), "blas_threads": library.openblas_get_num_threads()}
        if hasattr(library, "MKL_Get_Max_Threads"):
            return {"blas": "MKL " + path, "blas_threads": library.MKL_Get_Max_Threads()}
    return {"blas": "not OpenBLAS or MKL: " + (",".join(libraries) or "no BLAS library loaded"), "blas_threads": 1}
