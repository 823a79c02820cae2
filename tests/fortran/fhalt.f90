! fhalt.f90 - pvmfhalt and pvmfstartpvmd's success paths, last of all
! (test_fortran.c): halts the virtual machine it runs in, starts a new
! pvmd with pvmfstartpvmd, enrolls in it, and halts that one too.
program fhalt
  use fcheck
  implicit none
  include 'fpvm3.h'
  integer :: mytid, info

  call pvmfmytid(mytid)
  call check('enrolled', mytid > 0)
  call pvmfhalt(info)
  call check_eq('pvmfhalt', info, PvmOk)
  call pvmfstartpvmd('', 1, info)
  call check_eq('pvmfstartpvmd', info, PvmOk)
  call pvmfmytid(mytid)
  call check('enrolled in the new pvmd', mytid > 0)
  call pvmfhalt(info)
  call check_eq('pvmfhalt of the new pvmd', info, PvmOk)
  call finish()
end program fhalt
