/* liveops_async._speedups: the compiled structuring functions of `_structure`, in C.
 *
 * A `Structurer` is made from a plan (nested tuples, built by `_structure_native.plan`) that
 * says, per type, exactly what the Python function `StructureCompiler` writes for a response
 * (`from_orjson=True`) does: the same checks, the same defaults, the same lists and dicts kept
 * as orjson made them, the same raw data for unknown fields. Called with orjson's parse of a
 * body, it returns the same model, or raises (the plan's mismatch exception, or any other), and
 * the caller then takes the exact way, as it does when the Python function raises. So this is
 * a faster copy of a fast path, never a second set of rules: anything not in the plan raises.
 *
 * Why C: a 50-coupon page is ~190 objects and ~930 fields; in Python each field costs a
 * dict.get, a type test and a slot store through the interpreter (issue 15: list CPU).
 *
 * Memory: the plan tuple is kept by the Structurer; the C nodes borrow from it. Objects are
 * made with the class's tp_alloc (what object.__new__ does for a plain attrs class, which
 * `_structure_native` checks) and their slots written at the offsets of the classes' own
 * member descriptors, each checked to be a writable object slot of that class.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

enum {
    K_ANY = 0,
    K_STR = 1,
    K_INT = 2,
    K_BOOL = 3,
    K_LITERAL = 4,
    K_OPTIONAL = 5,
    K_FLOAT = 6,
    K_DATETIME = 7,
    K_ENUM = 8,
    K_LIST = 9,
    K_DICT = 10,
    K_MODEL = 11,
    K_TAGGED = 12,
    K_HOOK = 13,
};

enum { F_REQUIRED = 0, F_OPTIONAL_NONE = 1, F_DEFAULT = 2 };

typedef struct Node Node;

/* A key object of a parsed body and the field it names (-1: a key the model does not declare).
 * orjson hands out the same str object for the same short key, body after body: comparing
 * addresses finds a field without hashing or comparing the text (a dict lookup by the plan's
 * own, equal but distinct, key object compares the characters every time). */
#define MAX_REMEMBERED_KEY 64  /* characters: orjson caches keys up to 64 bytes */

typedef struct {
    PyObject *key;  /* owned */
    Py_ssize_t index;
} KeySlot;

typedef struct {
    PyObject *key;      /* the wire name (str) */
    Py_ssize_t offset;  /* the slot's offset in the instance */
    int mode;           /* F_* */
    PyObject *deflt;    /* F_DEFAULT: the default; F_OPTIONAL_NONE: None */
    Node *node;         /* the value's node (F_OPTIONAL_NONE: the node of the non-None type) */
} Field;

struct Node {
    int kind;
    int check_only;     /* the value is kept as it is when it passes the check */
    PyObject *a;        /* LITERAL values; DATETIME cache; ENUM members; MODEL class; TAGGED key;
                           HOOK cell (a one-item list) */
    PyObject *b;        /* DATETIME parse function; ENUM class; MODEL known keys; TAGGED index */
    PyObject *c;        /* MODEL, TAGGED: the function that refuses raw data holding a float */
    Node *item;         /* OPTIONAL, LIST, DICT */
    Py_ssize_t n;       /* MODEL: fields; TAGGED: variants */
    Field *fields;      /* MODEL */
    Node **variants;    /* TAGGED */
    Py_ssize_t extra_offset;  /* MODEL: the model_extra slot, or -1 */
    PyObject *index_of;       /* MODEL: {wire key: field index} (owned) */
    KeySlot *keys;            /* MODEL: key objects seen -> field index (see key_index) */
    Py_ssize_t keys_mask, keys_used;
};

typedef struct {
    PyObject_HEAD
    PyObject *plan;       /* owns everything the nodes point to */
    PyObject *mismatch;   /* the exception class raised for "not the common case" */
    Node *root;
    vectorcallfunc vectorcall;
} Structurer;

/* Plans -------------------------------------------------------------------------------------*/

static void node_free(Node *node);

static void
node_free(Node *node)
{
    Py_ssize_t i;
    if (node == NULL) {
        return;
    }
    node_free(node->item);
    if (node->fields != NULL) {
        for (i = 0; i < node->n; i++) {
            node_free(node->fields[i].node);
        }
        PyMem_Free(node->fields);
    }
    if (node->keys != NULL) {
        for (i = 0; i <= node->keys_mask; i++) {
            Py_XDECREF(node->keys[i].key);
        }
        PyMem_Free(node->keys);
    }
    Py_XDECREF(node->index_of);
    if (node->variants != NULL) {
        for (i = 0; i < node->n; i++) {
            node_free(node->variants[i]);
        }
        PyMem_Free(node->variants);
    }
    PyMem_Free(node);
}

static int
bad_plan(const char *what)
{
    PyErr_Format(PyExc_ValueError, "bad structuring plan: %s", what);
    return -1;
}

/* The offset of `name`'s slot in instances of `cls`: a writable object slot of the class. */
static int
slot_offset(PyTypeObject *cls, PyObject *descr, Py_ssize_t *offset)
{
    PyMemberDef *member;
    if (!Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        return bad_plan("not a member descriptor");
    }
    if (!PyType_IsSubtype(cls, PyDescr_TYPE(descr))) {
        return bad_plan("a slot of another class");
    }
    member = ((PyMemberDescrObject *)descr)->d_member;
    if (member->type != T_OBJECT_EX || (member->flags & READONLY)) {
        return bad_plan("not a writable object slot");
    }
    if (member->offset < (Py_ssize_t)sizeof(PyObject)
        || member->offset + (Py_ssize_t)sizeof(PyObject *) > cls->tp_basicsize) {
        return bad_plan("slot outside the instance");
    }
    *offset = member->offset;
    return 0;
}

static Node *node_parse(PyObject *spec);

static int
is_check_only(Node *node)
{
    switch (node->kind) {
    case K_ANY:
    case K_STR:
    case K_INT:
    case K_BOOL:
    case K_LITERAL:
        return 1;
    case K_OPTIONAL:
        return node->item->check_only;
    default:
        return 0;
    }
}

static int
parse_fields(Node *node, PyTypeObject *cls, PyObject *fields)
{
    Py_ssize_t i;
    node->n = PyTuple_GET_SIZE(fields);
    node->fields = PyMem_Calloc(node->n ? node->n : 1, sizeof(Field));
    if (node->fields == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < node->n; i++) {
        PyObject *f = PyTuple_GET_ITEM(fields, i);
        Field *field = &node->fields[i];
        long mode;
        if (!PyTuple_CheckExact(f) || PyTuple_GET_SIZE(f) != 5) {
            return bad_plan("a field is (key, descriptor, mode, default, node)");
        }
        field->key = PyTuple_GET_ITEM(f, 0);
        if (!PyUnicode_CheckExact(field->key)) {
            return bad_plan("a key is not a str");
        }
        if (slot_offset(cls, PyTuple_GET_ITEM(f, 1), &field->offset) < 0) {
            return -1;
        }
        mode = PyLong_AsLong(PyTuple_GET_ITEM(f, 2));
        if (mode < F_REQUIRED || mode > F_DEFAULT) {
            PyErr_Clear();
            return bad_plan("unknown field mode");
        }
        field->mode = (int)mode;
        field->deflt = PyTuple_GET_ITEM(f, 3);
        field->node = node_parse(PyTuple_GET_ITEM(f, 4));
        if (field->node == NULL) {
            return -1;
        }
    }
    return 0;
}

/* The field index of each wire key, and an empty key table: 4 slots per field, at least 16,
 * a power of two (kept under 3/4 full, see key_index). */
static int
key_table_init(Node *node)
{
    Py_ssize_t i, size = 16;
    node->index_of = PyDict_New();
    if (node->index_of == NULL) {
        return -1;
    }
    for (i = 0; i < node->n; i++) {
        PyObject *index = PyLong_FromSsize_t(i);
        int failed = index == NULL || PyDict_SetItem(node->index_of, node->fields[i].key, index);
        Py_XDECREF(index);
        if (failed) {
            return -1;
        }
    }
    if (PyDict_GET_SIZE(node->index_of) != node->n) {
        return bad_plan("two fields with one wire key");
    }
    while (size < 4 * node->n) {
        size *= 2;
    }
    node->keys = PyMem_Calloc(size, sizeof(KeySlot));
    if (node->keys == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    node->keys_mask = size - 1;
    return 0;
}

static Node *
node_parse(PyObject *spec)
{
    Node *node;
    long kind;
    Py_ssize_t size, i;
    if (!PyTuple_CheckExact(spec) || PyTuple_GET_SIZE(spec) < 1) {
        bad_plan("a node is a tuple (kind, ...)");
        return NULL;
    }
    size = PyTuple_GET_SIZE(spec);
    kind = PyLong_AsLong(PyTuple_GET_ITEM(spec, 0));
    if (kind == -1 && PyErr_Occurred()) {
        return NULL;
    }
    node = PyMem_Calloc(1, sizeof(Node));
    if (node == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    node->kind = (int)kind;
    node->extra_offset = -1;
#define NEED(count)                                                   \
    if (size != (count)) {                                            \
        bad_plan("wrong number of items in a node");                  \
        goto fail;                                                    \
    }
    switch (kind) {
    case K_ANY:
    case K_STR:
    case K_INT:
    case K_BOOL:
    case K_FLOAT:
        NEED(1);
        break;
    case K_LITERAL:
        NEED(2);
        node->a = PyTuple_GET_ITEM(spec, 1);
        if (!PyTuple_CheckExact(node->a)) {
            bad_plan("literal values are a tuple");
            goto fail;
        }
        break;
    case K_DATETIME:
    case K_ENUM:
        NEED(3);
        node->a = PyTuple_GET_ITEM(spec, 1);
        node->b = PyTuple_GET_ITEM(spec, 2);
        if (!PyDict_CheckExact(node->a) || !PyCallable_Check(node->b)) {
            bad_plan("a dict and a callable");
            goto fail;
        }
        break;
    case K_OPTIONAL:
    case K_LIST:
    case K_DICT:
        NEED(2);
        node->item = node_parse(PyTuple_GET_ITEM(spec, 1));
        if (node->item == NULL) {
            goto fail;
        }
        break;
    case K_MODEL: {
        /* (K_MODEL, cls, fields, known keys, extra slot descriptor or None, no_float) */
        PyObject *cls, *fields, *extra;
        PyTypeObject *type;
        NEED(6);
        cls = PyTuple_GET_ITEM(spec, 1);
        fields = PyTuple_GET_ITEM(spec, 2);
        node->a = cls;
        node->b = PyTuple_GET_ITEM(spec, 3);
        extra = PyTuple_GET_ITEM(spec, 4);
        node->c = PyTuple_GET_ITEM(spec, 5);
        if (!PyType_Check(cls) || !PyTuple_CheckExact(fields)
            || !PyFrozenSet_CheckExact(node->b) || !PyCallable_Check(node->c)) {
            bad_plan("a model is (kind, class, fields, known, extra, no_float)");
            goto fail;
        }
        type = (PyTypeObject *)cls;
        if (type->tp_new != PyBaseObject_Type.tp_new || type->tp_alloc == NULL
            || type->tp_dictoffset != 0) {
            bad_plan("not a plain slotted class");
            goto fail;
        }
        if (parse_fields(node, type, fields) < 0 || key_table_init(node) < 0) {
            goto fail;
        }
        if (extra != Py_None && slot_offset(type, extra, &node->extra_offset) < 0) {
            goto fail;
        }
        break;
    }
    case K_TAGGED: {
        /* (K_TAGGED, wire key, {tag: variant index}, (model nodes), no_float) */
        PyObject *variants;
        NEED(5);
        node->a = PyTuple_GET_ITEM(spec, 1);
        node->b = PyTuple_GET_ITEM(spec, 2);
        variants = PyTuple_GET_ITEM(spec, 3);
        node->c = PyTuple_GET_ITEM(spec, 4);
        if (!PyUnicode_CheckExact(node->a) || !PyDict_CheckExact(node->b)
            || !PyTuple_CheckExact(variants) || !PyCallable_Check(node->c)) {
            bad_plan("a tagged union is (kind, key, index, variants, no_float)");
            goto fail;
        }
        node->n = PyTuple_GET_SIZE(variants);
        node->variants = PyMem_Calloc(node->n ? node->n : 1, sizeof(Node *));
        if (node->variants == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        for (i = 0; i < node->n; i++) {
            node->variants[i] = node_parse(PyTuple_GET_ITEM(variants, i));
            if (node->variants[i] == NULL) {
                goto fail;
            }
            if (node->variants[i]->kind != K_MODEL) {
                bad_plan("a variant is a model");
                goto fail;
            }
        }
        break;
    }
    case K_HOOK:
        NEED(2);
        node->a = PyTuple_GET_ITEM(spec, 1);
        if (!PyList_CheckExact(node->a) || PyList_GET_SIZE(node->a) != 1) {
            bad_plan("a hook is a one-item list");
            goto fail;
        }
        break;
    default:
        bad_plan("unknown kind");
        goto fail;
    }
#undef NEED
    node->check_only = is_check_only(node);
    return node;
fail:
    node_free(node);
    return NULL;
}

/* Structuring -------------------------------------------------------------------------------*/

/* How many nested calls of other types' functions (K_HOOK) are running: a body whose
 * self-containing models nest deeper than MAX_NESTED_CALLS is refused, as the Python functions
 * refuse it (`_structure._nested`, same limit, same places), so that such a body takes the
 * exact way with and without this extension. Under the GIL; a call made by another thread
 * while one of ours waits in a callback may be refused early, which only sends it the exact
 * way (same answer). */
#define MAX_NESTED_CALLS 32
static int nested_calls = 0;

static PyObject *
mismatch(Structurer *self)
{
    PyErr_SetNone(self->mismatch);
    return NULL;
}

/* 1: `v` passes a check-only node; 0: it does not; -1: error. */
static inline int
passes(Node *node, PyObject *v)
{
    switch (node->kind) {
    case K_ANY:
        return 1;
    case K_STR:
        return PyUnicode_CheckExact(v);
    case K_INT:
        return PyLong_CheckExact(v);
    case K_BOOL:
        return PyBool_Check(v);
    case K_LITERAL:
        return PySequence_Contains(node->a, v);
    case K_OPTIONAL:
        return v == Py_None ? 1 : passes(node->item, v);  /* -1 (an error) stays -1 */
    default:
        return 0;
    }
}

static PyObject *structure(Structurer *self, Node *node, PyObject *v);

/* Raw data kept as it is (unknown fields, an unknown variant): the plan's `no_float`. */
static int
refuse_float(Node *node, PyObject *raw)
{
    PyObject *r = PyObject_CallOneArg(node->c, raw);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* The field `key` names (-1: none), or -2 with an exception set. A key object not seen before
 * is looked up by its text and remembered; a full table is emptied first, so keys that are new
 * objects every time (long keys orjson does not cache, a hostile body) cost a lookup, never
 * memory. */
static Py_ssize_t
key_index(Node *node, PyObject *key)
{
    size_t mask = (size_t)node->keys_mask, at;
    size_t hash = (size_t)key;
    PyObject *found;
    Py_ssize_t index;
    hash ^= hash >> 9;
    for (at = (hash >> 3) & mask; node->keys[at].key != NULL; at = (at + 1) & mask) {
        if (node->keys[at].key == key) {
            return node->keys[at].index;
        }
    }
    found = PyDict_GetItemWithError(node->index_of, key);
    if (found == NULL) {
        if (PyErr_Occurred()) {
            return -2;
        }
        index = -1;
    }
    else {
        index = PyLong_AsSsize_t(found);
    }
    if (!PyUnicode_CheckExact(key) || PyUnicode_GET_LENGTH(key) > MAX_REMEMBERED_KEY) {
        return index;  /* orjson makes a new object of such a key every time: nothing to gain */
    }
    if (4 * (node->keys_used + 1) > 3 * (node->keys_mask + 1)) {
        for (at = 0; at <= mask; at++) {
            Py_CLEAR(node->keys[at].key);
        }
        node->keys_used = 0;
        for (at = (hash >> 3) & mask; node->keys[at].key != NULL; at = (at + 1) & mask) {
        }
    }
    Py_INCREF(key);
    node->keys[at].key = key;
    node->keys[at].index = index;
    node->keys_used++;
    return index;
}

static PyObject *
structure_model(Structurer *self, Node *node, PyObject *d)
{
    PyTypeObject *cls = (PyTypeObject *)node->a;
    PyObject *o, *k, *v, *value, **slot;
    Py_ssize_t i, pos = 0, unknown = 0;
    char seen_here[64], *seen = seen_here;
    if (!PyDict_CheckExact(d)) {
        return mismatch(self);
    }
    if (node->n > (Py_ssize_t)sizeof(seen_here)) {
        seen = PyMem_Malloc(node->n);
        if (seen == NULL) {
            return PyErr_NoMemory();
        }
    }
    memset(seen, 0, node->n);
    o = cls->tp_alloc(cls, 0);
    if (o == NULL) {
        goto fail;
    }
    /* The body's keys in its order: each names a field (by its address, see key_index) or is
     * unknown; the fields no key named get their defaults below. */
    while (PyDict_Next(d, &pos, &k, &v)) {
        Field *field;
        i = key_index(node, k);
        if (i < 0) {
            if (i == -2) {
                goto fail;
            }
            unknown++;
            continue;
        }
        field = &node->fields[i];
        seen[i] = 1;
        if (v == Py_None && field->mode == F_OPTIONAL_NONE) {
            value = Py_None;
            Py_INCREF(value);
        }
        else {
            Py_INCREF(v);  /* held while a callback (a hook, an enum) may run */
            value = structure(self, field->node, v);
            Py_DECREF(v);
            if (value == NULL) {
                goto fail;
            }
        }
        slot = (PyObject **)((char *)o + field->offset);
        Py_XSETREF(*slot, value);
    }
    for (i = 0; i < node->n; i++) {
        Field *field = &node->fields[i];
        if (seen[i]) {
            continue;
        }
        if (field->mode == F_REQUIRED) {
            mismatch(self);
            goto fail;
        }
        Py_INCREF(field->deflt);
        slot = (PyObject **)((char *)o + field->offset);
        Py_XSETREF(*slot, field->deflt);
    }
    if (unknown && node->extra_offset >= 0) {
        /* keys the model does not declare: kept raw in model_extra */
        PyObject *extra = PyDict_New();
        if (extra == NULL) {
            goto fail;
        }
        slot = (PyObject **)((char *)o + node->extra_offset);
        Py_XSETREF(*slot, extra);
        for (pos = 0; PyDict_Next(d, &pos, &k, &v);) {
            i = key_index(node, k);
            if (i == -2 || (i == -1 && PyDict_SetItem(extra, k, v) < 0)) {
                goto fail;
            }
        }
        if (refuse_float(node, extra) < 0) {
            goto fail;
        }
    }
    if (seen != seen_here) {
        PyMem_Free(seen);
    }
    return o;
fail:
    Py_XDECREF(o);
    if (seen != seen_here) {
        PyMem_Free(seen);
    }
    return NULL;
}

static PyObject *
structure_list(Structurer *self, Node *node, PyObject *v)
{
    PyObject *out;
    Py_ssize_t i, n;
    if (!PyList_CheckExact(v)) {
        return mismatch(self);
    }
    n = PyList_GET_SIZE(v);
    if (node->item->check_only) {  /* orjson's list becomes the model's own */
        for (i = 0; i < n; i++) {
            int ok = passes(node->item, PyList_GET_ITEM(v, i));
            if (ok <= 0) {
                return ok < 0 ? NULL : mismatch(self);
            }
        }
        Py_INCREF(v);
        return v;
    }
    out = PyList_New(n);
    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *item, *r;
        if (i >= PyList_GET_SIZE(v)) {  /* a callback changed the list: not the common case */
            Py_DECREF(out);
            return mismatch(self);
        }
        item = PyList_GET_ITEM(v, i);
        Py_INCREF(item);
        r = structure(self, node->item, item);
        Py_DECREF(item);
        if (r == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, r);
    }
    return out;
}

static PyObject *
structure_dict(Structurer *self, Node *node, PyObject *v)
{
    PyObject *out, *k, *x;
    Py_ssize_t pos = 0;
    if (!PyDict_CheckExact(v)) {
        return mismatch(self);
    }
    if (node->item->check_only) {  /* orjson's dict becomes the model's own */
        while (PyDict_Next(v, &pos, &k, &x)) {
            int ok = passes(node->item, x);
            if (ok <= 0) {
                return ok < 0 ? NULL : mismatch(self);
            }
        }
        Py_INCREF(v);
        return v;
    }
    out = PyDict_New();
    if (out == NULL) {
        return NULL;
    }
    while (PyDict_Next(v, &pos, &k, &x)) {
        PyObject *r;
        int failed;
        Py_INCREF(k);
        Py_INCREF(x);
        r = structure(self, node->item, x);
        failed = r == NULL || PyDict_SetItem(out, k, r) < 0;
        Py_DECREF(k);
        Py_DECREF(x);
        Py_XDECREF(r);
        if (failed) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

static PyObject *
structure_tagged(Structurer *self, Node *node, PyObject *v)
{
    PyObject *tag, *index;
    Py_ssize_t position;
    if (!PyDict_CheckExact(v)) {
        return mismatch(self);
    }
    tag = PyDict_GetItemWithError(v, node->a);
    if (tag == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        tag = Py_None;
    }
    index = PyDict_GetItemWithError(node->b, tag);
    if (index == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        /* a variant this SDK version does not know: kept raw */
        if (refuse_float(node, v) < 0) {
            return NULL;
        }
        Py_INCREF(v);
        return v;
    }
    position = PyLong_AsSsize_t(index);
    if (position < 0 || position >= node->n) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_IndexError, "variant index out of range");
        }
        return NULL;
    }
    return structure_model(self, node->variants[position], v);
}

static PyObject *
structure(Structurer *self, Node *node, PyObject *v)
{
    PyObject *found, *r;
    int ok;
    switch (node->kind) {
    case K_ANY:
    case K_STR:
    case K_INT:
    case K_BOOL:
    case K_LITERAL:  /* kept as it is once it passes its check */
        ok = passes(node, v);
        if (ok <= 0) {
            return ok < 0 ? NULL : mismatch(self);
        }
        break;
    case K_OPTIONAL:
        if (v == Py_None) {
            break;
        }
        return structure(self, node->item, v);
    case K_FLOAT:
        if (PyFloat_CheckExact(v)) {
            break;
        }
        if (!PyLong_CheckExact(v)) {
            return mismatch(self);
        }
        {  /* JSON 1 for a float field */
            double d = PyLong_AsDouble(v);
            if (d == -1.0 && PyErr_Occurred()) {
                return NULL;
            }
            return PyFloat_FromDouble(d);
        }
    case K_DATETIME:  /* a string seen lately: its datetime (immutable) is reused */
        if (!PyUnicode_CheckExact(v)) {
            return mismatch(self);
        }
        found = PyDict_GetItemWithError(node->a, v);
        if (found != NULL) {
            Py_INCREF(found);
            return found;
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
        return PyObject_CallOneArg(node->b, v);
    case K_ENUM:  /* a member by its string; the enum makes a pseudo-member of another */
        found = PyDict_GetItemWithError(node->a, v);
        if (found != NULL) {
            ok = PyObject_IsTrue(found);
            if (ok < 0) {
                return NULL;
            }
            if (ok) {
                Py_INCREF(found);
                return found;
            }
        }
        else if (PyErr_Occurred()) {
            return NULL;
        }
        return PyObject_CallOneArg(node->b, v);
    case K_LIST:
        return structure_list(self, node, v);
    case K_DICT:
        return structure_dict(self, node, v);
    case K_MODEL:
        return structure_model(self, node, v);
    case K_TAGGED:
        return structure_tagged(self, node, v);
    case K_HOOK:  /* another type's function: a nested call, counted (see nested_calls) */
        if (nested_calls >= MAX_NESTED_CALLS) {
            return mismatch(self);
        }
        if (Py_EnterRecursiveCall(" while structuring a response")) {
            return NULL;
        }
        found = PyList_GET_ITEM(node->a, 0);
        Py_INCREF(found);  /* the cell may be changed while the call runs */
        nested_calls++;
        r = PyObject_CallOneArg(found, v);
        nested_calls--;
        Py_DECREF(found);
        Py_LeaveRecursiveCall();
        return r;
    default:
        PyErr_SetString(PyExc_SystemError, "unknown structuring node");
        return NULL;
    }
    Py_INCREF(v);
    return v;
}

/* The Structurer type -----------------------------------------------------------------------*/

static PyObject *
structurer_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Structurer *self = (Structurer *)callable;
    if (PyVectorcall_NARGS(nargsf) != 1 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "a Structurer takes one argument");
        return NULL;
    }
    if (self->root == NULL) {
        return mismatch(self);
    }
    return structure(self, self->root, args[0]);
}

static PyObject *
structurer_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *plan, *exc;
    Structurer *self;
    static char *names[] = {"plan", "mismatch", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O:Structurer", names, &PyTuple_Type,
                                     &plan, &exc)) {
        return NULL;
    }
    if (!PyExceptionClass_Check(exc)) {
        PyErr_SetString(PyExc_TypeError, "mismatch must be an exception class");
        return NULL;
    }
    self = (Structurer *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    Py_INCREF(plan);
    self->plan = plan;
    Py_INCREF(exc);
    self->mismatch = exc;
    self->vectorcall = structurer_vectorcall;
    self->root = node_parse(plan);
    if (self->root == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int
structurer_traverse(Structurer *self, visitproc visit, void *arg)
{
    Py_VISIT(self->plan);
    Py_VISIT(self->mismatch);
    return 0;
}

static int
structurer_clear(Structurer *self)
{
    node_free(self->root);  /* borrows from the plan: goes first */
    self->root = NULL;
    Py_CLEAR(self->plan);
    Py_CLEAR(self->mismatch);
    return 0;
}

static void
structurer_dealloc(Structurer *self)
{
    PyObject_GC_UnTrack(self);
    structurer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject StructurerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "liveops_async._speedups.Structurer",
    .tp_basicsize = sizeof(Structurer),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Structurer(plan, mismatch): a response structuring function made from a plan.",
    .tp_new = structurer_new,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Structurer, vectorcall),
    .tp_traverse = (traverseproc)structurer_traverse,
    .tp_clear = (inquiry)structurer_clear,
    .tp_dealloc = (destructor)structurer_dealloc,
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "liveops_async._speedups",
    .m_doc = "Compiled response structuring (see liveops_async._structure_native).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    PyObject *module;
    if (PyType_Ready(&StructurerType) < 0) {
        return NULL;
    }
    module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&StructurerType);
    if (PyModule_AddObject(module, "Structurer", (PyObject *)&StructurerType) < 0) {
        Py_DECREF(&StructurerType);
        Py_DECREF(module);
        return NULL;
    }
    if (PyModule_AddIntConstant(module, "PLAN_VERSION", 2) < 0
        || PyModule_AddIntConstant(module, "MAX_NESTED_CALLS", MAX_NESTED_CALLS) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
