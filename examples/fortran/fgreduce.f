! fgreduce.f - groups and collectives, in Fortran 77: the first copy
! spawns NP-1 more; all join group 'fgreduce', each sums its slice of
! 1..N, and pvmfreduce (PvmSum, PvmMax), pvmfgather and a barrier bring
! the answers to instance 0, which checks them.
!
!   spawn -> fgreduce          (from the console), or run it directly
      program fgred
      include 'fpvm3.h'
      integer NP, N
      parameter (NP = 4, N = 1000)
      external PvmSum, PvmMax
      integer mytid, me, info, numt, tids(NP), i, lo, hi
      integer isum(1), imax(1), slices(NP)
      double precision dsum(1)

      call pvmfmytid(mytid)
      call pvmfjoingroup('fgreduce', me)
      if (me .lt. 0) then
         call pvmfperror('fgreduce: join', info)
         call pvmfexit(info)
         stop 1
      endif
      if (me .eq. 0) then
         call pvmfspawn('fgreduce', PVMDEFAULT, '*', NP - 1, tids, numt)
         if (numt .lt. NP - 1) then
            print *, 'fgreduce: spawned only', numt
            call pvmflvgroup('fgreduce', info)
            call pvmfexit(info)
            stop 1
         endif
      endif
!     wait until all have joined; instance numbers are then fixed
      call pvmffreezegroup('fgreduce', NP, info)

!     my slice of 1..N, and the integers in it
      lo = me * N / NP + 1
      hi = (me + 1) * N / NP
      isum(1) = 0
      dsum(1) = 0.0d0
      do 10 i = lo, hi
         isum(1) = isum(1) + i
         dsum(1) = dsum(1) + 1.0d0 / i
   10 continue
      imax(1) = hi
      slices(1) = hi - lo + 1

      call pvmfgather(slices, hi - lo + 1, 1, INTEGER4, 3, 'fgreduce',
     &                0, info)
      call pvmfreduce(PvmSum, isum, 1, INTEGER4, 1, 'fgreduce', 0, info)
      call pvmfreduce(PvmSum, dsum, 1, REAL8, 2, 'fgreduce', 0, info)
      call pvmfreduce(PvmMax, imax, 1, INTEGER4, 4, 'fgreduce', 0, info)
      if (me .eq. 0) then
         write (*, 100) NP, N, isum(1), imax(1), dsum(1)
  100    format (' fgreduce: ', I2, ' tasks, 1..', I5, ': sum ', I8,
     &           ', max ', I5, ', harmonic ', F12.8)
         write (*, 101) (slices(i), i = 1, NP)
  101    format (' fgreduce: slices', 16I5)
         if (isum(1) .eq. N * (N + 1) / 2 .and. imax(1) .eq. N) then
            print *, 'fgreduce: results correct'
         else
            print *, 'fgreduce: WRONG'
         endif
      endif
      call pvmfbarrier('fgreduce', NP, info)
      call pvmflvgroup('fgreduce', info)
      call pvmfexit(info)
      end
