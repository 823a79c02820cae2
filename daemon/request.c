/*
 * request.c - replies to control requests.
 */
#include "request.h"

#include "ctl.h"
#include "frame.h"
#include "pvm3.h"
#include "pvmd.h"
#include "route.h"
#include "tid.h"
#include "xport.h"

void req_reply(struct pvmd *d, const struct req *r, int type, const ProtobufCMessage *msg)
{
    struct frame *f = frame_ctl(d->mytid, r->from, type, WIRE_F_REPLY, r->wid, msg);
    if (!f) {
        log_error(d, "no memory for a %s reply to t%x", ctl_type_name(type), (unsigned)r->from);
        return;
    }
    /* A local link answers its own task (before enrolment there is no
     * other way back); a peer pvmd is answered over the link this pvmd
     * dialled to it, like everything else it sends there (xport.h: one
     * stream per direction, so replies keep their order). */
    if (r->link && !tid_is_pvmd(r->link->peer))
        xport_send(r->link, f);
    else
        route_frame(d, f);
}

void req_status(struct pvmd *d, const struct req *r, int code)
{
    Pvm__Status st = PVM__STATUS__INIT;
    st.code = code;
    req_reply(d, r, PVM__CTL_TYPE__CTL_STATUS, &st.base);
}

int req_peer_host(const struct req *r)
{
    return r->link && tid_is_pvmd(r->link->peer) ? tid_host(r->link->peer) : 0;
}
