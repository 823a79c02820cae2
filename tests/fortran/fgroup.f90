! fgroup.f90 - the collectives from Fortran with every data type, among 4
! tasks: the first (started by test_fortran.c) spawns 3 copies of itself;
! all join group 'fgroup' and freeze it; instance 0 checks and prints.
! pvmfreduce with PvmSum, PvmProduct, PvmMax, PvmMin (EXTERNAL, as PVM
! 3.4's Fortran programs declare them) and a Fortran subroutine;
! pvmfgather, pvmfscatter, pvmfbcast, pvmfbarrier, pvmfgettid.
program fgroup
  use fcheck
  implicit none
  include 'fpvm3.h'
  integer, parameter :: N = 4
  external PvmSum, PvmProduct, PvmMax, PvmMin, maxplus
  integer :: mytid, parent, me, info, numt, tids(N - 1), k, t, bufid
  integer :: i4(2), g4(2 * N), s4(2 * N)
  integer(kind=1) :: i1(2)
  integer(kind=2) :: i2(2)
  integer(kind=8) :: i8(2)
  real(kind=4) :: r4(2)
  real(kind=8) :: r8(2), g8(N), s8(N)
  complex(kind=4) :: c8(2)
  complex(kind=8) :: c16(2), g16(N)
  character(len=512) :: self
  character(len=40) :: lbl

  call pvmfmytid(mytid)
  call pvmfparent(parent)
  if (parent == PvmNoParent) then
    call get_command_argument(0, self)
    call pvmfspawn(self, PVMDEFAULT, '*', N - 1, tids, numt)
    call check_eq('spawned 3 copies', numt, N - 1)
    if (numt /= N - 1) call finish() ! the group would never be complete
  end if
  call pvmfjoingroup('fgroup', me)
  call pvmffreezegroup('fgroup', N, info)
  call pvmfbarrier('fgroup', N, info)
  if (me == 0) call check_eq('pvmfbarrier of 4', info, PvmOk)
  ! instance k has values k+1 and -(k+1)
  t = me + 1
  do k = 1, 7
    i1 = int([t, -t], 1)
    i2 = int([t, -t], 2)
    i4 = [t, -t]
    i8 = [int(t, 8) * 1000000000_8, -int(t, 8)]
    r4 = [real(t), -real(t)]
    r8 = [real(t, 8), -real(t, 8)]
    c8 = [cmplx(t, 0, 4), cmplx(0, -t, 4)]
    c16 = [cmplx(t, 0, 8), cmplx(0, -t, 8)]
    select case (k)
    case (1)
      lbl = 'PvmSum'
      call reduce_all(PvmSum)
      if (me == 0) call check('PvmSum every type', all(i2 == [10, -10]) .and. &
          all(i4 == [10, -10]) .and. all(i8 == [10000000000_8, -10_8]) .and. &
          all(r4 == [10.0, -10.0]) .and. all(r8 == [10.0d0, -10.0d0]) .and. &
          all(c8 == [(10.0, 0.0), (0.0, -10.0)]) .and. all(c16 == [(10.0d0, 0.0d0), (0.0d0, -10.0d0)]))
    case (2)
      lbl = 'PvmProduct'
      call reduce_all(PvmProduct)
      if (me == 0) call check('PvmProduct every type', all(i2 == [24, 24]) .and. &
          all(i4 == [24, 24]) .and. all(r8 == [24.0d0, 24.0d0]) .and. all(r4 == [24.0, 24.0]) &
          .and. c16(2) == (0.0d0, -1.0d0)**4 * 24)
    case (3)
      lbl = 'PvmMax'
      call reduce_all(PvmMax)
      call pvmfreduce(PvmMax, i1, 2, BYTE1, 100 + k, 'fgroup', 0, info)
      if (me == 0) call check('PvmMax every type', all(i1 == [4, -1]) .and. &
          all(i2 == [4, -1]) .and. all(i4 == [4, -1]) .and. all(i8 == [4000000000_8, -1_8]) &
          .and. all(r4 == [4.0, -1.0]) .and. all(r8 == [4.0d0, -1.0d0]) .and. &
          abs(c16(2)) == 4.0d0 .and. abs(c8(1)) == 4.0)
    case (4)
      lbl = 'PvmMin'
      call reduce_all(PvmMin)
      call pvmfreduce(PvmMin, i1, 2, BYTE1, 100 + k, 'fgroup', 0, info)
      if (me == 0) call check('PvmMin every type', all(i1 == [1, -4]) .and. &
          all(i4 == [1, -4]) .and. all(r8 == [1.0d0, -4.0d0]) .and. abs(c16(1)) == 1.0d0)
    case (5)
      lbl = 'Fortran subroutine'
      call pvmfreduce(maxplus, i4, 2, INTEGER4, 100 + k, 'fgroup', 0, info)
      if (me == 0) call check('pvmfreduce with a Fortran subroutine', info == 0 .and. &
          all(i4 == [7, -1]))
    case (6)
      call pvmfreduce(PvmSum, i1, 2, BYTE1, 100 + k, 'fgroup', 0, info)
      if (me == 0) call check_eq('PvmSum of BYTE1 refused', info, PvmBadParam)
    case (7)
      call pvmfreduce(PvmSum, i4, 2, INTEGER4, 100 + k, 'fgroup', 99, info)
      call check('pvmfreduce: no such root', info < 0)
    end select
  end do

  ! gather and scatter: INTEGER4 pairs, REAL8, COMPLEX16
  i4 = [t, 10 * t]
  call pvmfgather(g4, i4, 2, INTEGER4, 200, 'fgroup', 0, info)
  if (me == 0) call check('pvmfgather INTEGER4', info == 0 .and. &
      all(g4 == [1, 10, 2, 20, 3, 30, 4, 40]))
  call pvmfgather(g8, real(t, 8) / 4, 1, REAL8, 201, 'fgroup', 0, info)
  if (me == 0) call check('pvmfgather REAL8', info == 0 .and. all(g8 == [0.25d0, 0.5d0, 0.75d0, 1.0d0]))
  call pvmfgather(g16, cmplx(t, -t, 8), 1, COMPLEX16, 202, 'fgroup', 0, info)
  if (me == 0) call check('pvmfgather COMPLEX16', info == 0 .and. g16(4) == (4.0d0, -4.0d0))
  s4 = [(k * 3, k = 1, 2 * N)]
  i4 = 0
  call pvmfscatter(i4, s4, 2, INTEGER4, 203, 'fgroup', 0, info)
  call pvmfgather(g4, i4, 2, INTEGER4, 204, 'fgroup', 0, info)
  if (me == 0) call check('pvmfscatter INTEGER4', all(g4 == s4))
  s8 = [(k * 0.5d0, k = 1, N)]
  call pvmfscatter(r8, s8, 1, REAL8, 205, 'fgroup', 0, info)
  call pvmfgather(g8, r8, 1, REAL8, 206, 'fgroup', 0, info)
  if (me == 0) call check('pvmfscatter REAL8', all(g8 == s8))

  ! bcast from instance 0 to the others, who answer with their instance
  if (me == 0) then
    call pvmfinitsend(PVMDEFAULT, bufid)
    call pvmfpack(INTEGER4, 31415, 1, 1, info)
    call pvmfbcast('fgroup', 300, info)
    call check_eq('pvmfbcast', info, PvmOk)
    do k = 1, N - 1
      call pvmfrecv(-1, 301, bufid)
      call pvmfunpack(INTEGER4, i4, 2, 1, info)
      call pvmfgettid('fgroup', i4(1), t)
      call check('a bcast answered', i4(2) == 31415 .and. t > 0)
    end do
  else
    call pvmfrecv(-1, 300, bufid)
    call pvmfunpack(INTEGER4, i4(2), 1, 1, info)
    i4(1) = me
    call pvmfgettid('fgroup', 0, t)
    call pvmfinitsend(PVMDEFAULT, bufid)
    call pvmfpack(INTEGER4, i4, 2, 1, info)
    call pvmfsend(t, 301, info)
  end if
  call pvmfbarrier('fgroup', N, info)
  call pvmflvgroup('fgroup', info)
  if (me == 0) call check_eq('pvmflvgroup', info, PvmOk)
  call finish()

contains
  subroutine reduce_all(op)
    external op
    call pvmfreduce(op, i2, 2, INTEGER2, 10 * k + 1, 'fgroup', 0, info)
    call pvmfreduce(op, i4, 2, INTEGER4, 10 * k + 2, 'fgroup', 0, info)
    call pvmfreduce(op, i8, 2, INTEGER8, 10 * k + 3, 'fgroup', 0, info)
    call pvmfreduce(op, r4, 2, REAL4, 10 * k + 4, 'fgroup', 0, info)
    call pvmfreduce(op, r8, 2, REAL8, 10 * k + 5, 'fgroup', 0, info)
    call pvmfreduce(op, c8, 2, COMPLEX8, 10 * k + 6, 'fgroup', 0, info)
    call pvmfreduce(op, c16, 2, COMPLEX16, 10 * k + 7, 'fgroup', 0, info)
    if (me == 0) call check_eq('pvmfreduce ' // trim(lbl), info, PvmOk)
  end subroutine reduce_all
end program fgroup

! x(1) = x(1) + y(1), x(2) = max(x(2), y(2)): a user's reduce operator
subroutine maxplus(datatype, x, y, num, info)
  implicit none
  integer :: datatype, num, info
  integer :: x(num), y(num)
  x(1) = x(1) + y(1) - 1
  x(2) = max(x(2), y(2))
  info = 0
end subroutine maxplus
