! fmw_worker.f - the worker of fmw_master.f: answers work items (tag 1)
! until told to stop (tag 3).
      program fmwwrk
      include 'fpvm3.h'
      integer mytid, master, bufid, info, nbytes, tag, src, k, span, i
      double precision s

      call pvmfmytid(mytid)
      call pvmfparent(master)
   10 continue
      call pvmfrecv(master, -1, bufid)
      call pvmfbufinfo(bufid, nbytes, tag, src, info)
      if (tag .eq. 3) goto 90
      call pvmfunpack(INTEGER4, k, 1, 1, info)
      call pvmfunpack(INTEGER4, span, 1, 1, info)
      s = 0.0d0
      do 20 i = k * span + 1, (k + 1) * span
         s = s + dble(i) * dble(i)
   20 continue
      call pvmfinitsend(PVMDEFAULT, bufid)
      call pvmfpack(INTEGER4, k, 1, 1, info)
      call pvmfpack(REAL8, s, 1, 1, info)
      call pvmfsend(master, 2, info)
      goto 10
   90 continue
      call pvmfexit(info)
      end
