! fmw_master.f - master/worker with dynamic load balancing, Fortran 77.
!
! Spawns NW fmw_worker tasks and hands out NITEMS work items one at a
! time: item k asks for the sum of i**2 over i in [k*SPAN+1,
! (k+1)*SPAN], in double precision.  A worker that answers gets the
! next item, so fast workers do more.  When all are done the workers
! are told to stop and the total is checked against the closed form
! n(n+1)(2n+1)/6.
!
!   spawn -> fmw_master        (from the console), or run it directly
      program fmwmst
      include 'fpvm3.h'
      integer NW, NITEMS, SPAN
      parameter (NW = 4, NITEMS = 40, SPAN = 1000)
      integer TWORK, TRES, TSTOP
      parameter (TWORK = 1, TRES = 2, TSTOP = 3)
      integer mytid, tids(NW), numt, info, bufid, i, next, item, who
      integer done(0:NITEMS-1), nbytes, tag
      double precision part, total, n, want

      call pvmfmytid(mytid)
      call pvmfspawn('fmw_worker', PVMDEFAULT, '*', NW, tids, numt)
      if (numt .lt. NW) then
         print *, 'fmw_master: spawned only', numt, ' workers:', tids
         do 5 i = 1, numt
            call pvmfkill(tids(i), info)
    5    continue
         call pvmfexit(info)
         stop 1
      endif
      do 10 i = 0, NITEMS - 1
         done(i) = 0
   10 continue

!     one item to each worker, then one more to whoever answers
      next = 0
      do 20 i = 1, NW
         call sndwrk(tids(i), next, SPAN)
         next = next + 1
   20 continue
      total = 0.0d0
      do 30 i = 1, NITEMS
         call pvmfrecv(-1, TRES, bufid)
         call pvmfbufinfo(bufid, nbytes, tag, who, info)
         call pvmfunpack(INTEGER4, item, 1, 1, info)
         call pvmfunpack(REAL8, part, 1, 1, info)
         total = total + part
         done(item) = done(item) + 1
         if (next .lt. NITEMS) then
            call sndwrk(who, next, SPAN)
            next = next + 1
         endif
   30 continue

      call pvmfinitsend(PVMDEFAULT, bufid)
      call pvmfmcast(NW, tids, TSTOP, info)
      n = dble(NITEMS) * SPAN
      want = n * (n + 1) * (2 * n + 1) / 6
      do 40 i = 0, NITEMS - 1
         if (done(i) .ne. 1) then
            print *, 'fmw_master: item', i, ' answered', done(i)
            call pvmfexit(info)
            stop 1
         endif
   40 continue
      write (*, 100) NITEMS, NW, total
  100 format (' fmw_master: ', I4, ' items over ', I2,
     &        ' workers, sum of squares ', F22.1)
      if (total .eq. want) then
         print *, 'fmw_master: result correct'
      else
         print *, 'fmw_master: WRONG, want', want
      endif
      call pvmfexit(info)
      end

! sends work item k to worker tid
      subroutine sndwrk(tid, k, span)
      include 'fpvm3.h'
      integer tid, k, span, bufid, info
      call pvmfinitsend(PVMDEFAULT, bufid)
      call pvmfpack(INTEGER4, k, 1, 1, info)
      call pvmfpack(INTEGER4, span, 1, 1, info)
      call pvmfsend(tid, 1, info)
      end
