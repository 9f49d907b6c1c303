/* MinHash signatures of many term sets, in one pass over the terms.
 *
 * The same values as dedupe.fingerprints.signature_matrix's numpy path and
 * as datasketch's MinHash(scheme="affine32") with CRC-32 term hashes: each
 * term's UTF-8 bytes are hashed with CRC-32 (zlib's), mixed with
 * MurmurHash3's 32-bit finaliser, then permuted as a * h + b (mod 2**32)
 * for every (a, b); a set's signature is the minimum of each permutation.
 *
 * numpy spends most of its time there allocating and reading back the
 * (terms x permutations) block, and the Python loop that hashes each term
 * costs as much again; here a term is hashed and folded into its set's row
 * at once, in a loop over the permutations that the compiler vectorises.
 * The numpy path stays as the reference and the fallback where this module
 * could not be compiled (see setup.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static uint32_t crc_table[256];

static void
crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t
crc32_bytes(const unsigned char *data, Py_ssize_t size)
{
    uint32_t c = 0xFFFFFFFFu;
    for (Py_ssize_t i = 0; i < size; i++)
        c = crc_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static inline uint32_t
fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

/* With AVX2 where the CPU has it (GCC and Clang on ELF pick the version at load time): SSE2 alone has no
 * 32-bit multiply across lanes. */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__ELF__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
fold(uint32_t *restrict row, const uint32_t *restrict a, const uint32_t *restrict b, Py_ssize_t width,
     uint32_t mixed)
{
    for (Py_ssize_t j = 0; j < width; j++) {
        uint32_t value = a[j] * mixed + b[j];
        row[j] = value < row[j] ? value : row[j];
    }
}

/* One set's terms folded into ``row``; -1 with an exception set on a term that is not a str. */
static int
sign_set(PyObject *terms, uint32_t *row, const uint32_t *a, const uint32_t *b, Py_ssize_t width)
{
    PyObject *iterator = PyObject_GetIter(terms);
    if (iterator == NULL)
        return -1;
    PyObject *term;
    while ((term = PyIter_Next(iterator)) != NULL) {
        Py_ssize_t size;
        const char *data = PyUnicode_Check(term) ? PyUnicode_AsUTF8AndSize(term, &size) : NULL;
        if (data == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "terms must be str, not %.100s", Py_TYPE(term)->tp_name);
            Py_DECREF(term);
            Py_DECREF(iterator);
            return -1;
        }
        fold(row, a, b, width, fmix32(crc32_bytes((const unsigned char *)data, size)));
        Py_DECREF(term);
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

static int
uint32_buffer(PyObject *object, Py_buffer *view, int writable, const char *name)
{
    if (PyObject_GetBuffer(object, view, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (view->itemsize != 4 || view->format == NULL || strchr("IL", view->format[strlen(view->format) - 1]) == NULL) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous buffer of uint32", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(sign_doc,
"sign(sets, a, b, out)\n--\n\n"
"Fold every term of ``sets[i]`` into row i of ``out`` (uint32, len(sets) x len(a), filled with the\n"
"maximum beforehand): the affine32 MinHash of CRC-32 term hashes, for the permutations ``a``, ``b``.");

static PyObject *
sign(PyObject *module, PyObject *args)
{
    PyObject *sets, *a_object, *b_object, *out_object;
    if (!PyArg_ParseTuple(args, "OOOO:sign", &sets, &a_object, &b_object, &out_object))
        return NULL;
    Py_buffer a, b, out;
    if (uint32_buffer(a_object, &a, 0, "a") < 0)
        return NULL;
    if (uint32_buffer(b_object, &b, 0, "b") < 0) {
        PyBuffer_Release(&a);
        return NULL;
    }
    if (uint32_buffer(out_object, &out, 1, "out") < 0) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        return NULL;
    }
    PyObject *result = NULL;
    PyObject *sequence = PySequence_Fast(sets, "sets must be a sequence");
    Py_ssize_t width = a.len / 4;
    if (sequence == NULL)
        goto done;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(sequence);
    if (b.len != a.len || out.len != count * width * 4) {
        PyErr_SetString(PyExc_ValueError, "a and b must be as long, and out len(sets) x len(a)");
        goto done;
    }
    PyObject **items = PySequence_Fast_ITEMS(sequence);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (sign_set(items[i], (uint32_t *)out.buf + i * width, a.buf, b.buf, width) < 0)
            goto done;
    }
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(sequence);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"sign", sign, METH_VARARGS, sign_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "dedupe._minhash",
    "MinHash signatures of term sets, compiled (see dedupe.fingerprints.signature_matrix).", -1, methods,
};

PyMODINIT_FUNC
PyInit__minhash(void)
{
    crc_init();
    return PyModule_Create(&module);
}
