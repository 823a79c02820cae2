/*
 * notify_api.c - pvm_notify: the checks PVM 3.4.6 makes, then the request
 * to the pvmd, which keeps it and sends the notices (daemon/notify.c).
 */
#include "core.h"
#include "ctl.h"
#include "tid.h"

int pvm_notify(int what, int msgtag, int cnt, int *tids)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_notify", cc);
    int kind = what & ~PvmNotifyCancel;
    if (kind < PvmTaskExit || kind > PvmRouteDelete || msgtag < 0)
        return lpvm_err("pvm_notify", PvmBadParam);
    /* Accepted as PVM 3.4.6 accepts them; routes are not events here
     * (docs/api-status.md). */
    if (kind == PvmRouteAdd || kind == PvmRouteDelete)
        return PvmOk;
    Pvm__NotifyRequest q = PVM__NOTIFY_REQUEST__INIT;
    q.what = what;
    q.tag = msgtag;
    q.ctx = lpvm_state.ctx;
    if (kind == PvmHostAdd) {
        /* A count: how many notices; any negative one, without end. */
        q.count = cnt < -1 ? -1 : cnt;
    } else {
        if (cnt <= 0 || !tids)
            return lpvm_err("pvm_notify", PvmBadParam);
        for (int i = 0; i < cnt; i++)
            if (kind == PvmTaskExit ? !tid_is_task(tids[i])
                                    : tids[i] != 0 && !tid_is_valid(tids[i]))
                return lpvm_err("pvm_notify", PvmBadParam);
        q.n_tids = (size_t)cnt;
        q.tids = tids;
    }
    cc = lpvm_request_status(core, PVM__CTL_TYPE__CTL_NOTIFY, &q.base);
    return lpvm_err("pvm_notify", cc < 0 ? cc : PvmOk);
}
