/*
 * mbox_api.c - PVM's message mailbox: pvm_putinfo, pvm_recvinfo,
 * pvm_delinfo, pvm_getmboxinfo, PVM 3.3's pvm_insert, pvm_lookup and
 * pvm_delete on top of it, pvm_getnoresets and the PvmNoReset option.
 *
 * Every call is one request to the pvmd, which forwards it to the first
 * host's pvmd, the keeper of the one mailbox (daemon/mbox.h).  Return
 * values and error codes are PVM 3.4.6's, compared with Debian's library
 * (docs/design.md "Mailbox").
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "ctl.h"
#include "ctl_mbox.h"

/* pvm_insert's entries: PVM 3.4.6 lists them with these flags. */
#define INSERT_FLAGS (PvmMboxPersistent | PvmMboxMultiInstance)

/* Per process, as the rest of lpvm_state. */
static struct {
    struct pvmmboxinfo *classes; /* the last pvm_getmboxinfo's, freed by the next */
    int nclasses;
    int *noresets;     /* the last pvm_getnoresets' */
    int noreset_index; /* our PVMNORESETCLASS entry's index + 1, 0: none */
} mb;

/* The result of API function fn: an error is recorded, and reported under
 * PvmAutoErr unless it is one of the two answers PVM 3.4.6 gives without
 * a word (a missing entry, a refused one: what programs test for). */
static int result(const char *fn, int cc, int quiet1, int quiet2)
{
    if (cc < 0 && (cc == quiet1 || cc == quiet2)) {
        pvm_errno = cc;
        return cc;
    }
    return lpvm_err(fn, cc);
}

static int check_name(const char *name)
{
    return name && *name && strlen(name) <= CTL_MAX_STR ? 0 : PvmBadParam;
}

/* Sends mailbox request `type' and waits for its MboxReply (*out, free
 * with ctl_free).  Returns the reply's status (>= 0) or an error. */
static int ask(int type, const ProtobufCMessage *q, Pvm__MboxReply **out)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return cc;
    ProtobufCMessage *reply = NULL;
    cc = lpvm_request(core, type, q, PVM__CTL_TYPE__CTL_MBOX_REPLY, &reply);
    if (cc < 0)
        return cc;
    Pvm__MboxReply *r = (Pvm__MboxReply *)reply;
    if (r->status < 0) {
        cc = r->status;
        ctl_free(&reply);
        return cc;
    }
    *out = r;
    return 0;
}

/* Puts n bytes at data (encoding enc) in class name at index (-1: the
 * lowest free one) with flags.  Returns the index or an error. */
static int put(const char *name, int index, int flags, bool insert, int enc, const void *data,
               size_t n)
{
    if (n > MBOX_DATA_MAX)
        return PvmOutOfRes;
    Pvm__MboxPut q = PVM__MBOX_PUT__INIT;
    q.name = (char *)name;
    q.index = index;
    q.flags = flags;
    q.insert = insert;
    q.enc = enc;
    q.data.data = (uint8_t *)data;
    q.data.len = n;
    Pvm__MboxReply *r = NULL;
    int cc = ask(PVM__CTL_TYPE__CTL_MBOX_PUT, &q.base, &r);
    if (cc < 0)
        return cc;
    cc = r->index;
    ctl_free((ProtobufCMessage **)&r);
    return cc;
}

/* Gets the entry of class name at index (flags PvmMboxFirstAvail,
 * PvmMboxReadAndDelete, PvmMboxWaitForInfo) into *out. */
static int get(const char *name, int index, int flags, Pvm__MboxReply **out)
{
    Pvm__MboxKey k = PVM__MBOX_KEY__INIT;
    k.name = (char *)name;
    k.index = index;
    k.flags = flags;
    return ask(PVM__CTL_TYPE__CTL_MBOX_GET, &k.base, out);
}

static int del(const char *name, int index, int flags)
{
    Pvm__MboxKey k = PVM__MBOX_KEY__INIT;
    k.name = (char *)name;
    k.index = index;
    k.flags = flags;
    Pvm__MboxReply *r = NULL;
    int cc = ask(PVM__CTL_TYPE__CTL_MBOX_DEL, &k.base, &r);
    if (cc < 0)
        return cc;
    cc = r->index; /* PVM 3.4.6 answers the index, not PvmOk */
    ctl_free((ProtobufCMessage **)&r);
    return cc;
}

/* The classes whose names match pattern (NULL: all), in *out (free with
 * ctl_free). */
static int list(const char *pattern, Pvm__MboxList **out)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return cc;
    Pvm__MboxKey k = PVM__MBOX_KEY__INIT;
    k.name = (char *)(pattern ? pattern : "");
    ProtobufCMessage *reply = NULL;
    cc = lpvm_request(core, PVM__CTL_TYPE__CTL_MBOX_INFO, &k.base, PVM__CTL_TYPE__CTL_MBOX_LIST,
                      &reply);
    if (cc < 0)
        return cc;
    *out = (Pvm__MboxList *)reply;
    return 0;
}

/* ======================================================================== */
/* PVM 3.4                                                                  */
/* ======================================================================== */

int pvm_putinfo(char *name, int bufid, int flags)
{
    if (check_name(name) < 0 || bufid <= 0)
        return lpvm_err("pvm_putinfo", PvmBadParam);
    struct pmsg *m = pmsg_lookup(bufid);
    if (!m)
        return lpvm_err("pvm_putinfo", PvmNoSuchBuf);
    /* InPlace data is read now, into a copy: the caller's buffer keeps
     * reading its memory when it is sent later. */
    struct pmsg *copy = NULL;
    if (m->nrefs > 0 && !(m = copy = pmsg_copy(m)))
        return lpvm_err("pvm_putinfo", PvmNoMem);
    /* PvmMboxMultiInstance takes the lowest free index, whatever
     * PvmMboxDirectIndex says (as PVM 3.4.6 does). */
    int index = (flags & PvmMboxMultiInstance) ? -1 : (int)PvmMboxDirectIndexOf(flags);
    int cc = put(name, index, flags, false, m->enc == PvmDataInPlace ? PvmDataRaw : m->enc,
                 pmsg_body(m), m->len);
    pmsg_destroy(&copy);
    return result("pvm_putinfo", cc, PvmDenied, PvmExists);
}

int pvm_recvinfo(char *name, int index, int flags)
{
    if (check_name(name) < 0 || index < 0)
        return lpvm_err("pvm_recvinfo", PvmBadParam);
    Pvm__MboxReply *r = NULL;
    int cc = get(name, index, flags, &r);
    if (cc < 0)
        return result("pvm_recvinfo", cc, PvmNotFound, 0);
    struct pmsg *m = pmsg_new_recv(r->enc, r->data.len);
    if (!m) {
        ctl_free((ProtobufCMessage **)&r);
        return lpvm_err("pvm_recvinfo", PvmNoMem);
    }
    if (r->data.len)
        memcpy(pmsg_body(m), r->data.data, r->data.len);
    m->src = r->src;
    m->dst = lpvm_state.mytid;
    ctl_free((ProtobufCMessage **)&r);
    return lpvm_err("pvm_recvinfo", recv_make_active(m));
}

int pvm_delinfo(char *name, int index, int flags)
{
    if (check_name(name) < 0 || index < 0)
        return lpvm_err("pvm_delinfo", PvmBadParam);
    return result("pvm_delinfo", del(name, index, flags), PvmNotFound, PvmDenied);
}

static void free_classes(void)
{
    for (int i = 0; i < mb.nclasses; i++) {
        free(mb.classes[i].mi_name);
        free(mb.classes[i].mi_indices);
        free(mb.classes[i].mi_owners);
        free(mb.classes[i].mi_flags);
    }
    free(mb.classes);
    mb.classes = NULL;
    mb.nclasses = 0;
}

static int *copy_ints(const int32_t *v, size_t n)
{
    int *c = malloc((n ? n : 1) * sizeof *c);
    if (c && n)
        memcpy(c, v, n * sizeof *c);
    return c;
}

int pvm_getmboxinfo(char *pattern, int *nclasses, struct pvmmboxinfo **classes)
{
    if (!nclasses || !classes)
        return lpvm_err("pvm_getmboxinfo", PvmBadParam);
    Pvm__MboxList *l = NULL;
    int cc = list(pattern, &l);
    if (cc < 0)
        return lpvm_err("pvm_getmboxinfo", cc);
    /* The caller's copy of the last call goes now, as in PVM. */
    free_classes();
    mb.classes = calloc(l->n_classes ? l->n_classes : 1, sizeof *mb.classes);
    cc = mb.classes ? PvmOk : PvmNoMem;
    for (size_t i = 0; cc == PvmOk && i < l->n_classes; i++) {
        const Pvm__MboxClass *c = l->classes[i];
        struct pvmmboxinfo *x = &mb.classes[mb.nclasses++];
        x->mi_name = strdup(c->name);
        x->mi_nentries = (int)c->n_indices;
        x->mi_indices = copy_ints(c->indices, c->n_indices);
        x->mi_owners = copy_ints(c->owners, c->n_owners);
        x->mi_flags = copy_ints(c->flags, c->n_flags);
        if (!x->mi_name || !x->mi_indices || !x->mi_owners || !x->mi_flags)
            cc = PvmNoMem;
    }
    ctl_free((ProtobufCMessage **)&l);
    if (cc < 0) {
        free_classes();
        return lpvm_err("pvm_getmboxinfo", cc);
    }
    *nclasses = mb.nclasses;
    *classes = mb.classes;
    return PvmOk;
}

/* ======================================================================== */
/* PVM 3.3's database, on the mailbox as in PVM 3.4                          */
/* ======================================================================== */

int pvm_insert(char *name, int req, int data)
{
    if (check_name(name) < 0 || req < -1)
        return lpvm_err("pvm_insert", PvmBadParam);
    /* One int, packed as pvm_pkint would in PvmDataDefault. */
    uint8_t be[4] = {(uint8_t)((unsigned)data >> 24), (uint8_t)((unsigned)data >> 16),
                     (uint8_t)((unsigned)data >> 8), (uint8_t)data};
    return result("pvm_insert", put(name, req, INSERT_FLAGS, true, PvmDataDefault, be, 4),
                  PvmDupEntry, 0);
}

int pvm_lookup(char *name, int req, int *datap)
{
    if (check_name(name) < 0 || req < -1)
        return lpvm_err("pvm_lookup", PvmBadParam);
    Pvm__MboxReply *r = NULL;
    int cc = get(name, req < 0 ? 0 : req, req < 0 ? PvmMboxFirstAvail : 0, &r);
    if (cc < 0)
        return result("pvm_lookup", cc, PvmNoEntry, 0);
    struct pmsg *m = pmsg_new_recv(r->enc, r->data.len);
    int v = 0;
    cc = m ? PvmOk : PvmNoMem;
    if (m) {
        if (r->data.len)
            memcpy(pmsg_body(m), r->data.data, r->data.len);
        cc = pmsg_unpack(m, PVM_INT, &v, 1, 1);
        pmsg_destroy(&m);
    }
    if (cc == PvmOk) {
        cc = r->index;
        if (datap)
            *datap = v;
    }
    ctl_free((ProtobufCMessage **)&r);
    return lpvm_err("pvm_lookup", cc);
}

int pvm_delete(char *name, int req)
{
    if (check_name(name) < 0 || req < 0)
        return lpvm_err("pvm_delete", PvmBadParam);
    return result("pvm_delete", del(name, req, 0), PvmNoEntry, 0);
}

/* ======================================================================== */
/* Tasks a console's reset spares                                           */
/* ======================================================================== */

int mbox_api_noreset(int what)
{
    int mytid = lpvm_enroll();
    if (mytid < 0)
        return mytid;
    if (lpvm_state.opt[what]) {
        if (mb.noreset_index)
            return 0;
        uint8_t be[4] = {(uint8_t)((unsigned)mytid >> 24), (uint8_t)((unsigned)mytid >> 16),
                         (uint8_t)((unsigned)mytid >> 8), (uint8_t)mytid};
        int cc = put(PVMNORESETCLASS, -1, PvmMboxMultiInstance, false, PvmDataDefault, be, 4);
        if (cc < 0)
            return cc;
        mb.noreset_index = cc + 1;
        return 0;
    }
    if (!mb.noreset_index)
        return 0;
    int cc = del(PVMNORESETCLASS, mb.noreset_index - 1, 0);
    mb.noreset_index = 0;
    return cc == PvmNotFound ? 0 : cc;
}

void mbox_api_forget(void)
{
    mb.noreset_index = 0;
}

int pvm_getnoresets(int **tids, int *ntids)
{
    if (!tids || !ntids)
        return lpvm_err("pvm_getnoresets", PvmBadParam);
    Pvm__MboxList *l = NULL;
    int cc = list(PVMNORESETCLASS, &l);
    if (cc < 0)
        return lpvm_err("pvm_getnoresets", cc);
    const Pvm__MboxClass *c = NULL;
    for (size_t i = 0; i < l->n_classes && !c; i++)
        if (strcmp(l->classes[i]->name, PVMNORESETCLASS) == 0)
            c = l->classes[i];
    size_t n = c ? c->n_owners : 0;
    int *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        ctl_free((ProtobufCMessage **)&l);
        return lpvm_err("pvm_getnoresets", PvmNoMem);
    }
    /* Each entry is its task's own: the owner is the tid it holds. */
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (c->owners[i])
            v[k++] = c->owners[i];
    ctl_free((ProtobufCMessage **)&l);
    free(mb.noresets);
    mb.noresets = v;
    *tids = v;
    *ntids = k;
    return PvmOk;
}

/* For the console's reset (lpvm.h). */
int lpvm_mbox_reset(const int *keep, int nkeep)
{
    if (nkeep < 0 || (nkeep > 0 && !keep))
        return PvmBadParam;
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return cc;
    Pvm__MboxTids t = PVM__MBOX_TIDS__INIT;
    t.tids = (int32_t *)keep;
    t.n_tids = (size_t)nkeep;
    Pvm__MboxReply *r = NULL;
    cc = ask(PVM__CTL_TYPE__CTL_MBOX_RESET, &t.base, &r);
    if (cc == 0)
        ctl_free((ProtobufCMessage **)&r);
    return cc;
}
