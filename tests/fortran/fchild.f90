! fchild.f90 - a task to spawn, kill and signal: echoes every message
! back to its sender with the tag + 1000 (pvmfsetsbuf of the received
! buffer), until killed.
program fchild
  implicit none
  integer :: mytid, bufid, bytes, tag, src, info, old
  call pvmfmytid(mytid)
  do
    call pvmfrecv(-1, -1, bufid)
    call pvmfbufinfo(bufid, bytes, tag, src, info)
    call pvmfsetsbuf(bufid, old)
    call pvmfsend(src, tag + 1000, info)
  end do
end program fchild
