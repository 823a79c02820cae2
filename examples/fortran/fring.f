! fring.f - SPMD token ring, in Fortran 77: started as
!   spawn -4 -> fring
! each copy finds the others with pvmfsiblings; copy 0 sends a token
! around the ring NLAPS times, every copy adding its index + 1.
      program fring
      include 'fpvm3.h'
      integer MAXN, NLAPS
      parameter (MAXN = 64, NLAPS = 3)
      integer mytid, ntids, me, i, left, right, token, lap, info
      integer bufid, tids(0:MAXN-1), want

      call pvmfmytid(mytid)
      call pvmfsiblings(ntids, 0, tids(0))
      if (ntids .gt. MAXN .or. ntids .lt. 2) then
         print *, 'fring: start 2 to', MAXN, ' copies (spawn -4 ->)'
         call pvmfexit(info)
         stop 1
      endif
      me = -1
      do 10 i = 0, ntids - 1
         call pvmfsiblings(ntids, i, tids(i))
         if (tids(i) .eq. mytid) me = i
   10 continue
      right = tids(mod(me + 1, ntids))
      left = tids(mod(me + ntids - 1, ntids))

      token = 0
      do 20 lap = 1, NLAPS
         if (me .ne. 0) then
            call pvmfrecv(left, 7, bufid)
            call pvmfunpack(INTEGER4, token, 1, 1, info)
         endif
         token = token + me + 1
         call pvmfinitsend(PVMDEFAULT, bufid)
         call pvmfpack(INTEGER4, token, 1, 1, info)
         call pvmfsend(right, 7, info)
         if (me .eq. 0) then
            call pvmfrecv(left, 7, bufid)
            call pvmfunpack(INTEGER4, token, 1, 1, info)
         endif
   20 continue

      if (me .eq. 0) then
         want = NLAPS * ntids * (ntids + 1) / 2
         write (*, 100) ntids, NLAPS, token
  100    format (' fring: ', I3, ' tasks, ', I2, ' laps, token ', I6)
         if (token .eq. want) then
            print *, 'fring: token ring done'
         else
            print *, 'fring: WRONG token, want', want
         endif
      endif
      call pvmfexit(info)
      end
