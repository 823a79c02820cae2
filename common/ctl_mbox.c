/*
 * ctl_mbox.c - validators of the mailbox control messages (ctl_mbox.h).
 */
#include "ctl_mbox.h"

#include <string.h>

#include "ctl.h"
#include "tid.h"

static bool name_ok(const char *s)
{
    size_t n = s ? strnlen(s, CTL_MAX_STR + 1) : 0;
    return n > 0 && n <= CTL_MAX_STR;
}

static bool tid_or_zero(int t)
{
    return t == 0 || tid_is_task(t);
}

bool ctl_mbox_v_put(const ProtobufCMessage *m)
{
    const Pvm__MboxPut *p = (const Pvm__MboxPut *)m;
    return name_ok(p->name) && p->index >= -1 && tid_or_zero(p->tid) &&
           p->data.len <= MBOX_DATA_MAX && (p->data.len == 0 || p->data.data);
}

bool ctl_mbox_v_key(const ProtobufCMessage *m)
{
    const Pvm__MboxKey *k = (const Pvm__MboxKey *)m;
    return name_ok(k->name) && k->index >= 0 && tid_or_zero(k->tid);
}

bool ctl_mbox_v_pattern(const ProtobufCMessage *m)
{
    const Pvm__MboxKey *k = (const Pvm__MboxKey *)m;
    return (!k->name || strnlen(k->name, CTL_MAX_STR + 1) <= CTL_MAX_STR) && tid_or_zero(k->tid);
}

bool ctl_mbox_v_reply(const ProtobufCMessage *m)
{
    const Pvm__MboxReply *r = (const Pvm__MboxReply *)m;
    return r->status <= 0 && r->index >= 0 && tid_or_zero(r->src) && r->data.len <= MBOX_DATA_MAX &&
           (r->data.len == 0 || r->data.data);
}

bool ctl_mbox_v_list(const ProtobufCMessage *m)
{
    const Pvm__MboxList *l = (const Pvm__MboxList *)m;
    if (l->status > 0 || l->n_classes > CTL_MAX_LIST || (l->n_classes > 0 && !l->classes))
        return false;
    for (size_t i = 0; i < l->n_classes; i++) {
        const Pvm__MboxClass *c = l->classes[i];
        if (!c || !name_ok(c->name) || c->n_owners != c->n_indices || c->n_flags != c->n_indices ||
            !ctl_tids_ok(c->owners, c->n_owners, true) || c->n_indices > CTL_MAX_LIST ||
            (c->n_indices > 0 && (!c->indices || !c->flags)))
            return false;
        for (size_t k = 0; k < c->n_indices; k++)
            if (c->indices[k] < 0)
                return false;
    }
    return true;
}

bool ctl_mbox_v_tids(const ProtobufCMessage *m)
{
    const Pvm__MboxTids *t = (const Pvm__MboxTids *)m;
    return ctl_tids_ok(t->tids, t->n_tids, false);
}
