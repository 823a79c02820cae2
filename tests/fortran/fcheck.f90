! fcheck.f90 - the test programs' one assertion: check(what, cond) prints
! "ok: what" or "FAIL: what" and counts; finish() ends the program with
! exit status 1 if anything failed.
module fcheck
  implicit none
  integer, save :: nfail = 0
contains
  subroutine check(what, cond)
    character(len=*), intent(in) :: what
    logical, intent(in) :: cond
    if (cond) then
      write (*, '(a,a)') 'ok: ', what
    else
      write (*, '(a,a)') 'FAIL: ', what
      nfail = nfail + 1
    end if
    flush (6)
  end subroutine check

  ! check(what, got == want), with both values in the message on failure
  subroutine check_eq(what, got, want)
    character(len=*), intent(in) :: what
    integer, intent(in) :: got, want
    character(len=64) :: vals
    if (got /= want) then
      write (vals, '(a,i0,a,i0,a)') ' (got ', got, ', want ', want, ')'
      call check(what // trim(vals), .false.)
    else
      call check(what, .true.)
    end if
  end subroutine check_eq

  subroutine finish()
    integer :: info
    call pvmfexit(info)
    if (nfail > 0) then
      write (*, '(i0,a)') nfail, ' failed'
      stop 1
    end if
    write (*, '(a)') 'all passed'
  end subroutine finish
end module fcheck
