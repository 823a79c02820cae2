/*
 * ctl_group.c - validators of the group control messages (ctl_group.h).
 */
#include "ctl_group.h"

#include <string.h>

#include "barslot.h"
#include "ctl.h"
#include "tid.h"

static bool name_ok(const char *s)
{
    size_t n = s ? strnlen(s, GROUP_NAME_MAX + 1) : 0;
    return n > 0 && n <= GROUP_NAME_MAX;
}

bool ctl_group_v_request(const ProtobufCMessage *m)
{
    const Pvm__GroupRequest *r = (const Pvm__GroupRequest *)m;
    return name_ok(r->name) && (r->tid == 0 || tid_is_task(r->tid)) && r->count >= -1;
}

bool ctl_group_v_reply(const ProtobufCMessage *m)
{
    const Pvm__GroupReply *r = (const Pvm__GroupReply *)m;
    return r->status <= 0 && r->inst >= 0 && r->slot <= BARPAGE_SLOTS &&
           ctl_tids_ok(r->tids, r->n_tids, true);
}

bool ctl_group_v_list(const ProtobufCMessage *m)
{
    const Pvm__GroupList *l = (const Pvm__GroupList *)m;
    if (l->status > 0 || l->n_groups > CTL_MAX_LIST || (l->n_groups > 0 && !l->groups))
        return false;
    for (size_t i = 0; i < l->n_groups; i++)
        if (!l->groups[i] || !name_ok(l->groups[i]->name) || l->groups[i]->barrier_waiting < 0 ||
            !ctl_tids_ok(l->groups[i]->tids, l->groups[i]->n_tids, true))
            return false;
    return true;
}

bool ctl_group_v_arrive(const ProtobufCMessage *m)
{
    const Pvm__GroupArrive *a = (const Pvm__GroupArrive *)m;
    if (a->share)
        return name_ok(a->name) && a->count >= -1 && a->n_tids == 0 && !a->freeze &&
               a->share <= BS_MAX && a->slot >= 1 && a->slot <= BARPAGE_SLOTS;
    return name_ok(a->name) && a->count >= -1 && a->n_tids > 0 &&
           ctl_tids_ok(a->tids, a->n_tids, false);
}

bool ctl_group_v_release(const ProtobufCMessage *m)
{
    const Pvm__GroupRelease *r = (const Pvm__GroupRelease *)m;
    if (r->slot)
        return name_ok(r->name) && r->status <= 0 && r->n_tids == 0 && !r->freeze &&
               r->slot <= BARPAGE_SLOTS;
    return name_ok(r->name) && r->status <= 0 && r->n_tids > 0 &&
           ctl_tids_ok(r->tids, r->n_tids, false);
}

bool ctl_group_v_gone(const ProtobufCMessage *m)
{
    const Pvm__GroupGone *g = (const Pvm__GroupGone *)m;
    return g->n_tids > 0 && ctl_tids_ok(g->tids, g->n_tids, false);
}

bool ctl_group_v_round_done(const ProtobufCMessage *m)
{
    const Pvm__GroupRoundDone *r = (const Pvm__GroupRoundDone *)m;
    return r->slot >= 1 && r->slot <= BARPAGE_SLOTS;
}

bool ctl_group_v_host(const ProtobufCMessage *m)
{
    const Pvm__GroupHost *h = (const Pvm__GroupHost *)m;
    return name_ok(h->name) && h->slot >= 1 && h->slot <= BARPAGE_SLOTS && h->local <= BS_MAX &&
           h->size <= BS_MAX && h->local <= h->size;
}
