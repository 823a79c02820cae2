! fround.f90 - the Fortran half of the round trips with a C task
! (test_fortran.c): for each message of tag 1 the C parent sends (every
! type, packed with stride 2 from 6 values, in the encoding it names),
! unpack and check, then pack this side's own values the same way, in the
! same encoding, and send them back with tag 2.  Tag 3 ends: the number
! of failed checks goes back with tag 4.
program fround
  use fcheck
  implicit none
  include 'fpvm3.h'
  integer :: mytid, parent, bufid, info, enc, k, bytes, tag, src
  integer(kind=1) :: b(6), b2(3)
  integer(kind=2) :: s(6), s2(3)
  integer(kind=4) :: iv(6), iv2(3)
  integer(kind=8) :: l(6), l2(3)
  real(kind=4) :: r(6), r2(3)
  real(kind=8) :: d(6), d2(3)
  complex(kind=4) :: c(6), c2(3)
  complex(kind=8) :: z(6), z2(3)
  character(len=8) :: str
  character(len=24) :: lbl

  ! the values test_fortran.c's rt_fill computes
  do k = 1, 6
    b(k) = int(k - 3, 1)
    s(k) = int(-30000 + k, 2)
    iv(k) = -2000000000 + k
    l(k) = 2000000000_8 + k
    r(k) = 1.5 * k
    d(k) = 1.0d300 / k
    c(k) = cmplx(k, -k, kind=4)
    z(k) = cmplx(1.0d-300 * k, 1.0d300 / k, kind=8)
  end do
  call pvmfmytid(mytid)
  call pvmfparent(parent)
  do
    call pvmfrecv(parent, -1, bufid)
    call pvmfbufinfo(bufid, bytes, tag, src, info)
    if (tag == 3) exit
    call pvmfunpack(INTEGER4, enc, 1, 1, info)
    write (lbl, '(a,i0,a)') ' (C to Fortran, enc ', enc, ')'
    call pvmfunpack(BYTE1, b2, 3, 1, info)
    call check('BYTE1' // lbl, info == 0 .and. all(b2 == b(1:5:2)))
    call pvmfunpack(INTEGER2, s2, 3, 1, info)
    call check('INTEGER2' // lbl, info == 0 .and. all(s2 == s(1:5:2)))
    call pvmfunpack(INTEGER4, iv2, 3, 1, info)
    call check('INTEGER4' // lbl, info == 0 .and. all(iv2 == iv(1:5:2)))
    call pvmfunpack(INTEGER8, l2, 3, 1, info)
    call check('INTEGER8' // lbl, info == 0 .and. all(l2 == l(1:5:2)))
    call pvmfunpack(REAL4, r2, 3, 1, info)
    call check('REAL4' // lbl, info == 0 .and. all(r2 == r(1:5:2)))
    call pvmfunpack(REAL8, d2, 3, 1, info)
    call check('REAL8' // lbl, info == 0 .and. all(d2 == d(1:5:2)))
    call pvmfunpack(COMPLEX8, c2, 3, 1, info)
    call check('COMPLEX8' // lbl, info == 0 .and. all(c2 == c(1:5:2)))
    call pvmfunpack(COMPLEX16, z2, 3, 1, info)
    call check('COMPLEX16' // lbl, info == 0 .and. all(z2 == z(1:5:2)))
    str = '????????'
    call pvmfunpack(STRING, str, 5, 1, info)
    call check('STRING' // lbl, info == 0 .and. str == 'hello???')

    call pvmfinitsend(enc, bufid)
    call pvmfpack(BYTE1, b, 3, 2, info)
    call pvmfpack(INTEGER2, s, 3, 2, info)
    call pvmfpack(INTEGER4, iv, 3, 2, info)
    call pvmfpack(INTEGER8, l, 3, 2, info)
    call pvmfpack(REAL4, r, 3, 2, info)
    call pvmfpack(REAL8, d, 3, 2, info)
    call pvmfpack(COMPLEX8, c, 3, 2, info)
    call pvmfpack(COMPLEX16, z, 3, 2, info)
    call pvmfpack(STRING, 'world   ', 5, 1, info)
    call check('Fortran to C packed', info == 0)
    call pvmfsend(parent, 2, info)
  end do
  call pvmfinitsend(PVMDEFAULT, bufid)
  call pvmfpack(INTEGER4, nfail, 1, 1, info)
  call pvmfsend(parent, 4, info)
  call finish()
end program fround
