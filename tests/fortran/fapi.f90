! fapi.f90 - every pvmf* routine whose C function works today, success and
! error paths, in one task of a one-host virtual machine started for it
! (test_fortran.c).  Not spawned: pvmfparent is PvmNoParent.
! Argument 1: the absolute path of fchild (a program to spawn and kill).
program fapi
  use fcheck
  implicit none
  include 'fpvm3.h'
  integer :: mytid, info, tid, dtid, bufid, i, n, old, ctid, cycle_n
  integer :: cycle_tids(64)
  character(len=512) :: child
  character(len=300) :: long

  call get_command_argument(1, child)
  long = repeat('x', 300)

  call pvmfmytid(mytid)
  call check('pvmfmytid enrolls', mytid > 0)
  call pvmfparent(tid)
  call check_eq('pvmfparent: no parent', tid, PvmNoParent)

  call test_config()
  call test_tasks()
  call test_strings_in()
  call test_opts()
  call test_buffers()
  call test_pack()
  call test_psend()
  call test_recv_variants()
  call test_minfo()
  call test_notify_kill()
  call test_siblings()
  call test_groups()
  call test_hosts()
  call test_misc()
  call start_tasks_cycle()
  call pvmfexit(info)
  call check_eq('pvmfexit', info, PvmOk)
  call test_siblings_after_exit()
  call test_tasks_after_exit()
  call finish()

contains

  subroutine test_config()
    integer :: nhost, narch, dtid1, speed, info1, nh2
    character(len=64) :: name, arch
    character(len=1) :: name1
    character(len=300) :: name300

    call pvmfconfig(nhost, narch, dtid1, name, arch, speed, info1)
    call check_eq('pvmfconfig: info 1 with a host', info1, 1)
    call check_eq('pvmfconfig: one host', nhost, 1)
    call check_eq('pvmfconfig: one arch', narch, 1)
    call check('pvmfconfig: a pvmd tid', dtid1 > 0)
    call check('pvmfconfig: name blank-padded', len_trim(name) > 0 .and. len_trim(name) < 64 &
               .and. name(64:64) == ' ')
    call check('pvmfconfig: arch LINUX64', arch == 'LINUX64')
    call check('pvmfconfig: speed 1000', speed == 1000)
    ! the cycle is over after the one host: the next call starts another,
    ! into a 1-character and a 300-character name
    call pvmfconfig(nh2, narch, dtid, name1, arch, speed, info)
    call check('pvmfconfig: next cycle, name truncated to 1', info == 1 .and. name1 == name(1:1))
    nh2 = -1
    call pvmfconfig(nh2, narch, dtid, name300, arch, speed, info)
    call check('pvmfconfig: nhost -1 restarts, name padded to 300', info == 1 .and. &
               nh2 == 1 .and. name300 == name .and. name300(300:300) == ' ')
    call pvmfmstat(name, info)
    call check_eq('pvmfmstat: this host', info, PvmOk)
    call pvmfmstat(trim(name) // '        ', info)
    call check_eq('pvmfmstat: trailing blanks ignored', info, PvmOk)
    call pvmfmstat('nosuchhost.invalid', info)
    call check_eq('pvmfmstat: unknown host', info, PvmNoHost)
    call pvmfmstat(long, info)
    call check_eq('pvmfmstat: name longer than 256', info, PvmBadParam)
    call pvmftidtohost(mytid, dtid)
    call check_eq('pvmftidtohost: my host', dtid, dtid1)
    call pvmftidtoh(mytid, dtid)
    call check_eq('pvmftidtoh: my host', dtid, dtid1)
    call pvmfarchcode('LINUX64', i)
    call check('pvmfarchcode: LINUX64', i > 0)
    call pvmfarchcode('NOSUCHARCH', i)
    call check_eq('pvmfarchcode: unknown arch', i, PvmNotFound)
    call pvmfarchcode(long, i)
    call check_eq('pvmfarchcode: longer than 256', i, PvmBadParam)
  end subroutine test_config

  subroutine test_tasks()
    integer :: ntask, t, ptid, dtid1, flag, info1, k, seen
    character(len=64) :: aout

    ntask = -1
    seen = 0
    call pvmftasks(0, ntask, t, ptid, dtid1, flag, aout, info1)
    call check_eq('pvmftasks: info 1 with a task', info1, 1)
    call check('pvmftasks: a task', ntask >= 1)
    if (t == mytid) seen = seen + 1
    do k = 2, ntask
      call pvmftasks(0, ntask, t, ptid, dtid1, flag, aout, info1)
      if (t == mytid) seen = seen + 1
    end do
    call check_eq('pvmftasks: I am listed once in a cycle', seen, 1)
    ntask = -1
    call pvmftasks(mytid, ntask, t, ptid, dtid1, flag, aout, info1)
    call check('pvmftasks(mytid): me, no parent', ntask == 1 .and. t == mytid .and. ptid == 0)
    ntask = -1
    call pvmftasks(-5, ntask, t, ptid, dtid1, flag, aout, info1)
    call check('pvmftasks: bad where', info1 < 0)
    call pvmfpstat(mytid, info)
    call check_eq('pvmfpstat: me', info, PvmOk)
    call pvmfpstat(mytid + 4000, info)
    call check_eq('pvmfpstat: no such task', info, PvmNoTask)
  end subroutine test_tasks

  ! strings of length 0, 1, and longer than libfpvm3's buffers
  subroutine test_strings_in()
    character(len=0) :: empty
    character(len=31) :: g31
    character(len=32) :: g32

    g31 = repeat('g', 31)
    g32 = repeat('h', 32)
    call pvmfjoingroup(empty, i)
    call check_eq('pvmfjoingroup: length-0 name', i, PvmNullGroup)
    call pvmfjoingroup('   ', i)
    call check_eq('pvmfjoingroup: blank name', i, PvmNullGroup)
    call pvmfjoingroup('a', i)
    call check_eq('pvmfjoingroup: 1-character name', i, 0)
    call pvmfgsize('a    ', n)
    call check_eq('pvmfgsize: trailing blanks ignored', n, 1)
    call pvmflvgroup('a', info)
    call check_eq('pvmflvgroup: 1-character name', info, PvmOk)
    call pvmfjoingroup(g31, i)
    call check_eq('pvmfjoingroup: 31 characters', i, 0)
    call pvmflvgroup(g31, info)
    call check_eq('pvmflvgroup: 31 characters', info, PvmOk)
    call pvmfjoingroup(g32, i)
    call check_eq('pvmfjoingroup: 32 characters', i, PvmBadParam)
    call pvmfgsize(long, n)
    call check_eq('pvmfgsize: 300 characters', n, PvmBadParam)
    call pvmfspawn(long, PVMDEFAULT, '*', 1, tid, n)
    call check_eq('pvmfspawn: task name longer than 256', n, PvmBadParam)
    call pvmfspawn(empty, PVMDEFAULT, '*', 1, tid, n)
    call check('pvmfspawn: length-0 task name starts nothing', n <= 0)
    call pvmfspawn('fchild', PVMTASKHOST, long, 1, tid, n)
    call check_eq('pvmfspawn: where longer than 256', n, PvmBadParam)
    call pvmfperror(empty, info)
    call check_eq('pvmfperror: length-0 message', info, PvmOk)
    call pvmfperror(long, info)
    call check_eq('pvmfperror: 300 characters', info, PvmOk)
  end subroutine test_strings_in

  subroutine test_opts()
    call pvmfsetopt(PVMROUTE, PVMDONTROUTE, old)
    call check('pvmfsetopt: old route returned', old == PVMALLOWDIRECT .or. old == PVMROUTEDIRECT)
    call pvmfgetopt(PVMROUTE, i)
    call check_eq('pvmfgetopt: route set', i, PVMDONTROUTE)
    call pvmfsetopt(PVMROUTE, old, i)
    call pvmfsetopt(999, 1, i)
    call check_eq('pvmfsetopt: unknown option', i, PvmBadParam)
    call pvmfgetopt(999, i)
    call check_eq('pvmfgetopt: unknown option', i, PvmBadParam)
    call pvmfserror(0, old)
    call check('pvmfserror: old value', old >= 0)
    call pvmfgetopt(PVMAUTOERR, i)
    call check_eq('pvmfserror sets PvmAutoErr', i, 0)
    call pvmfserror(old, i)
    call pvmfadvise(PVMDONTROUTE, info)
    call pvmfgetopt(PVMROUTE, i)
    call check('pvmfadvise sets PvmRoute', info >= 0 .and. i == PVMDONTROUTE)
    call pvmfsetopt(PVMROUTE, PVMALLOWDIRECT, i)
  end subroutine test_opts

  subroutine test_buffers()
    integer :: b1, b2, cur

    call pvmfinitsend(PVMRAW, b2)
    call check('pvmfinitsend', b2 > 0)
    call pvmfinitsend(77, i)
    call check_eq('pvmfinitsend: bad encoding', i, PvmBadParam)
    call pvmfmkbuf(PVMDEFAULT, b1)
    call check('pvmfmkbuf', b1 > 0 .and. b1 /= b2)
    call pvmfsetsbuf(b1, old)
    call check_eq('pvmfsetsbuf: the old one', old, b2)
    call pvmfgetsbuf(cur)
    call check_eq('pvmfgetsbuf', cur, b1)
    call pvmfsetsbuf(b2, old)
    call pvmffreebuf(b1, info)
    call check_eq('pvmffreebuf', info, PvmOk)
    call pvmffreebuf(b1, info)
    call check_eq('pvmffreebuf: freed twice', info, PvmNoSuchBuf)
    call pvmfsetrbuf(0, old)
    call pvmfgetrbuf(cur)
    call check_eq('pvmfsetrbuf(0): no receive buffer', cur, 0)
    call pvmfsetsbuf(123456, old)
    call check_eq('pvmfsetsbuf: no such buffer', old, PvmNoSuchBuf)
  end subroutine test_buffers

  ! every type, with stride, to myself, in both encodings
  subroutine test_pack()
    integer :: enc, k, bytes, tag, src
    integer(kind=1) :: b(6), b2(3)
    integer(kind=2) :: s(6), s2(3)
    integer(kind=4) :: iv(6), iv2(3)
    integer(kind=8) :: l(6), l2(3)
    real(kind=4) :: r(6), r2(3)
    real(kind=8) :: d(6), d2(3), dd(6) = -1.0d0
    complex(kind=4) :: c(6), c2(3)
    complex(kind=8) :: z(6), z2(3)
    character(len=11) :: str
    character(len=5) :: str2
    character(len=1) :: one
    character(len=16) :: lbl
    integer, parameter :: encs(2) = [PVMDEFAULT, PVMRAW]

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
    do k = 1, 2
      enc = encs(k)
      write (lbl, '(a,i0,a)') ' (encoding ', enc, ')'
      ! XDR carries an INTEGER8 in 4 bytes: beyond, only PvmDataRaw
      if (enc == PVMRAW) l(1:5:2) = [-9000000000000000000_8, 9000000000000000001_8, 5_8]
      call pvmfinitsend(enc, bufid)
      call pvmfpack(BYTE1, b, 3, 2, info)
      call check_eq('pvmfpack BYTE1' // lbl, info, PvmOk)
      call pvmfpack(INTEGER2, s, 3, 2, info)
      call pvmfpack(INTEGER4, iv, 3, 2, info)
      call pvmfpack(INTEGER8, l, 3, 2, info)
      call pvmfpack(REAL4, r, 3, 2, info)
      call pvmfpack(REAL8, d, 3, 2, info)
      call pvmfpack(COMPLEX8, c, 3, 2, info)
      call pvmfpack(COMPLEX16, z, 3, 2, info)
      call check_eq('pvmfpack COMPLEX16' // lbl, info, PvmOk)
      str = 'hello world'
      call pvmfpack(STRING, str, 5, 1, info)
      call pvmfpack(STRING, str, 0, 1, info)
      call check_eq('pvmfpack STRING of 0 characters' // lbl, info, PvmOk)
      call pvmfpack(STRING, 'Z', 1, 1, info)
      call pvmfpack(99, iv, 1, 1, info)
      call check_eq('pvmfpack: unknown type' // lbl, info, PvmBadParam)
      call pvmfpack(-1, iv, 1, 1, info)
      call check_eq('pvmfpack: negative type' // lbl, info, PvmBadParam)
      call pvmfsend(mytid, 10 + k, info)
      call check_eq('pvmfsend to myself' // lbl, info, PvmOk)
      call pvmfrecv(-1, 10 + k, bufid)
      call check('pvmfrecv' // lbl, bufid > 0)
      call pvmfbufinfo(bufid, bytes, tag, src, info)
      call check('pvmfbufinfo' // lbl, info == 0 .and. bytes > 0 .and. tag == 10 + k &
                 .and. src == mytid)
      call pvmfunpack(BYTE1, b2, 3, 1, info)
      call check('BYTE1 stride 2 round trip' // lbl, info == 0 .and. all(b2 == b(1:5:2)))
      call pvmfunpack(INTEGER2, s2, 3, 1, info)
      call check('INTEGER2 round trip' // lbl, info == 0 .and. all(s2 == s(1:5:2)))
      call pvmfunpack(INTEGER4, iv2, 3, 1, info)
      call check('INTEGER4 round trip' // lbl, info == 0 .and. all(iv2 == iv(1:5:2)))
      call pvmfunpack(INTEGER8, l2, 3, 1, info)
      call check('INTEGER8 round trip' // lbl, info == 0 .and. all(l2 == l(1:5:2)))
      call pvmfunpack(REAL4, r2, 3, 1, info)
      call check('REAL4 round trip' // lbl, info == 0 .and. all(r2 == r(1:5:2)))
      call pvmfunpack(REAL8, d2, 3, 1, info)
      call check('REAL8 round trip' // lbl, info == 0 .and. all(d2 == d(1:5:2)))
      call pvmfunpack(COMPLEX8, c2, 3, 1, info)
      call check('COMPLEX8 round trip' // lbl, info == 0 .and. all(c2 == c(1:5:2)))
      call pvmfunpack(COMPLEX16, z2, 3, 1, info)
      call check('COMPLEX16 round trip' // lbl, info == 0 .and. all(z2 == z(1:5:2)))
      str2 = '?????'
      call pvmfunpack(STRING, str2, 5, 1, info)
      call check('STRING round trip' // lbl, info == 0 .and. str2 == 'hello')
      call pvmfunpack(STRING, str2, 0, 1, info)
      call check_eq('STRING of 0 characters' // lbl, info, PvmOk)
      call pvmfunpack(STRING, one, 1, 1, info)
      call check('STRING of 1 character' // lbl, info == 0 .and. one == 'Z')
      call pvmfunpack(INTEGER4, iv2, 1, 1, info)
      call check_eq('pvmfunpack past the end' // lbl, info, PvmNoData)
      call pvmfunpack(99, iv2, 1, 1, info)
      call check_eq('pvmfunpack: unknown type' // lbl, info, PvmBadParam)
    end do
    ! unpacking with a stride: every other element, the rest untouched
    call pvmfinitsend(PVMDEFAULT, bufid)
    call pvmfpack(REAL8, d, 3, 1, info)
    call pvmfsend(mytid, 13, info)
    call pvmfrecv(-1, 13, bufid)
    call pvmfunpack(REAL8, dd, 3, 2, info)
    call check('pvmfunpack REAL8 with stride 2', info == 0 .and. all(dd(1:5:2) == d(1:3)) &
               .and. all(dd(2:6:2) == -1.0d0))
  end subroutine test_pack

  subroutine test_psend()
    integer :: atid, atag, alen
    integer :: iv(4), iv2(4)
    real(kind=8) :: d(3), d2(3)
    character(len=6) :: str

    iv = [1, -2, 3, -4]
    call pvmfpsend(mytid, 20, iv, 4, INTEGER4, info)
    call check_eq('pvmfpsend INTEGER4', info, PvmOk)
    call pvmfprecv(mytid, 20, iv2, 4, INTEGER4, atid, atag, alen, info)
    ! alen: PVM 3.4.6 says bytes (16), libpvm3 here items (4)
    call check('pvmfprecv INTEGER4', info == 0 .and. all(iv2 == iv) .and. atid == mytid &
               .and. atag == 20 .and. alen > 0)
    d = [0.5d0, -1.0d10, 3.25d0]
    call pvmfpsend(mytid, 21, d, 3, REAL8, info)
    call pvmfprecv(-1, 21, d2, 3, REAL8, atid, atag, alen, info)
    call check('pvmfpsend/pvmfprecv REAL8', info == 0 .and. all(d2 == d))
    call pvmfpsend(mytid, 22, 'abcdef', 6, BYTE1, info)
    call pvmfprecv(-1, 22, str, 6, BYTE1, atid, atag, alen, info)
    call check('pvmfpsend/pvmfprecv BYTE1', info == 0 .and. str == 'abcdef' .and. alen == 6)
    call pvmfpsend(mytid, 23, iv, 4, 99, info)
    call check_eq('pvmfpsend: unknown type', info, PvmBadParam)
  end subroutine test_psend

  ! fchild echoes each message back with its tag + 1000
  subroutine test_recv_variants()
    integer :: tids(1), numt

    call pvmfnrecv(-1, 30, bufid)
    call check_eq('pvmfnrecv: nothing there', bufid, 0)
    call pvmfprobe(-1, 30, bufid)
    call check_eq('pvmfprobe: nothing there', bufid, 0)
    call pvmftrecv(-1, 30, 0, 20000, bufid)
    call check_eq('pvmftrecv: times out', bufid, 0)
    call pvmfspawn(child, PVMDEFAULT, '*', 1, tids, numt)
    call check_eq('pvmfspawn by absolute path', numt, 1)
    call pvmfinitsend(PVMDEFAULT, bufid)
    call pvmfpack(INTEGER4, 42, 1, 1, info)
    call pvmfmcast(1, tids, 30, info)
    call check_eq('pvmfmcast', info, PvmOk)
    call pvmfinitsend(PVMDEFAULT, bufid)
    call pvmfsend(tids(1), 31, info)
    ! the echoes come back in order: once 1031 is here, 1030 is too
    call pvmftrecv(tids(1), 1031, 20, 0, bufid)
    call check('the echo of pvmfsend', bufid > 0)
    call pvmfprobe(-1, 1030, bufid)
    call check('pvmfprobe: it is there', bufid > 0)
    if (bufid > 0) then
      call pvmftrecv(-1, 1030, -1, 0, bufid)
      call check('pvmftrecv with sec -1 waits', bufid > 0)
      call pvmfunpack(INTEGER4, n, 1, 1, info)
      call check_eq('pvmfmcast data', n, 42)
    end if
    call pvmfnrecv(-1, -1, bufid)
    call check_eq('pvmfnrecv: queue empty', bufid, 0)
    call pvmfkill(tids(1), info)
  end subroutine test_recv_variants

  subroutine test_minfo()
    integer :: len, ctx, tag, wid, enc, crc, src, dst, b, nb

    call pvmfmkbuf(PVMDEFAULT, b)
    call pvmfsetsbuf(b, old)
    call pvmfpack(INTEGER4, 7, 1, 1, info)
    call pvmfsetminfo(b, 0, 55, 0, mytid, mytid, info)
    call check_eq('pvmfsetminfo', info, PvmOk)
    call pvmfgetminfo(b, len, ctx, tag, wid, enc, crc, src, dst, info)
    call check('pvmfgetminfo', info == 0 .and. tag == 55 .and. len == 4)
    call pvmfgetminfo(99999, len, ctx, tag, wid, enc, crc, src, dst, info)
    call check_eq('pvmfgetminfo: no such buffer', info, PvmNoSuchBuf)
    ! a message inside a message
    call pvmfmkbuf(PVMDEFAULT, nb)
    call pvmfsetsbuf(nb, old)
    call pvmfpkmesg(b, info)
    call check_eq('pvmfpkmesg', info, PvmOk)
    call pvmfpkmesgbody(b, info)
    call check_eq('pvmfpkmesgbody', info, PvmOk)
    call pvmfsend(mytid, 40, info)
    call pvmfrecv(-1, 40, bufid)
    call pvmfupkmesg(bufid, nb)
    call check('pvmfupkmesg', nb > 0)
    call pvmfgetminfo(nb, len, ctx, tag, wid, enc, crc, src, dst, info)
    call check('pvmfupkmesg keeps the tag', info == 0 .and. tag == 55)
    call pvmfsetrbuf(nb, old)
    call pvmfunpack(INTEGER4, n, 1, 1, info)
    call check('pvmfupkmesg keeps the data', info == 0 .and. n == 7)
  end subroutine test_minfo

  subroutine test_notify_kill()
    integer :: tids(2), numt, t, who

    call pvmfspawn(child, PVMDEFAULT, '*', 1, tids, numt)
    call pvmfspawn(child, PVMTASKHOST, '.', 1, tids(2), numt)
    call check_eq('pvmfspawn on host .', numt, 1)
    call pvmfnotify(PVMTASKEXIT, 50, 2, tids, info)
    call check_eq('pvmfnotify PvmTaskExit', info, PvmOk)
    call pvmfnotify(99, 50, 2, tids, info)
    call check_eq('pvmfnotify: bad kind', info, PvmBadParam)
    call pvmfkill(tids(1), info)
    call check_eq('pvmfkill', info, PvmOk)
    call pvmfsendsig(tids(2), 15, info)
    call check_eq('pvmfsendsig SIGTERM', info, PvmOk)
    do t = 1, 2
      call pvmftrecv(-1, 50, 20, 0, bufid)
      call pvmfunpack(INTEGER4, who, 1, 1, info)
      call check('notified of an exit', bufid > 0 .and. (who == tids(1) .or. who == tids(2)))
    end do
    call pvmfsendsig(-3, 15, info)
    call check('pvmfsendsig: bad tid', info < 0)
    call pvmfspawn('no-such-program-here', PVMDEFAULT, '*', 1, tids, numt)
    call check('pvmfspawn: no such file', numt == 0 .and. tids(1) == PvmNoFile)
    call pvmfspawn(child, PVMTASKHOST, 'nosuchhost.invalid', 1, tids, numt)
    call check('pvmfspawn: no such host', numt == PvmNoHost .or. &
               (numt == 0 .and. tids(1) == PvmNoHost))
  end subroutine test_notify_kill

  subroutine test_siblings()
    integer :: ntids, sib

    call pvmfsiblings(ntids, 0, sib)
    call check('pvmfsiblings: just me', ntids == 1 .and. sib == mytid)
    sib = 7
    call pvmfsiblings(ntids, 1, sib)
    call check_eq('pvmfsiblings: index past the end', sib, PvmNoTask)
    call pvmfsiblings(ntids, -1, sib)
    call check_eq('pvmfsiblings: index -1 (PVM 3.4.6)', sib, PvmNoTask)
  end subroutine test_siblings

  ! a cycle of pvmftasks left after its first row (with a child, at least
  ! two rows); pvm_tasks tells which tasks the rows may name
  subroutine start_tasks_cycle()
    integer :: ntask, t, ptid, dtid1, flag, info1, numt, k
    character(len=64) :: aout

    call pvmfspawn(child, PVMDEFAULT, '*', 1, ctid, numt)
    call check_eq('pvmfspawn: a child for the tasks cycle', numt, 1)
    ntask = -1
    call pvmftasks(0, ntask, t, ptid, dtid1, flag, aout, info1)
    call check('pvmftasks: a cycle of two tasks or more begun', info1 == 1 .and. ntask >= 2 &
               .and. ntask <= 64)
    cycle_n = ntask
    cycle_tids(1) = t
    do k = 2, ntask
      call pvmftasks(0, ntask, cycle_tids(k), ptid, dtid1, flag, aout, info1)
    end do
    ! the same table again, left after its first row
    ntask = -1
    call pvmftasks(0, ntask, t, ptid, dtid1, flag, aout, info1)
    call check('pvmftasks: the same first row', info1 == 1 .and. t == cycle_tids(1))
  end subroutine start_tasks_cycle

  ! the cycle goes on after pvmfexit: the rows of the table it began with
  subroutine test_tasks_after_exit()
    integer :: ntask, t, ptid, dtid1, flag, info1
    character(len=64) :: aout

    ntask = 0
    t = 0
    aout = ''
    call pvmftasks(0, ntask, t, ptid, dtid1, flag, aout, info1)
    call check('pvmftasks: the second row after pvmfexit', info1 == 1 .and. &
               ntask == cycle_n .and. t == cycle_tids(2))
    call pvmfkill(ctid, info1)
    call check_eq('pvmfkill: the cycle''s child', info1, PvmOk)
  end subroutine test_tasks_after_exit

  ! enrolled again, a new task: its own sibling, not the list of the first
  subroutine test_siblings_after_exit()
    integer :: ntids, sib, tid2

    call pvmfmytid(tid2)
    call check('pvmfmytid enrolls again, a new task', tid2 > 0 .and. tid2 /= mytid)
    sib = 7
    call pvmfsiblings(ntids, 0, sib)
    call check('pvmfsiblings: just the new me', ntids == 1 .and. sib == tid2)
  end subroutine test_siblings_after_exit

  ! groups of one member: every routine; collectives with every type are
  ! in fgroup.f90 (many members)
  subroutine test_groups()
    integer :: inum, sz, t, iv(3), res(3)
    real(kind=8) :: d(2)
    external PvmSum, PvmMax

    call pvmfjoingroup('fapi', inum)
    call check_eq('pvmfjoingroup', inum, 0)
    call pvmfjoingroup('fapi', inum)
    call check_eq('pvmfjoingroup: twice', inum, PvmDupGroup)
    call pvmfgsize('fapi', sz)
    call check_eq('pvmfgsize', sz, 1)
    call pvmfgetinst('fapi', mytid, inum)
    call check_eq('pvmfgetinst', inum, 0)
    call pvmfgetinst('fapi', mytid + 1, inum)
    call check_eq('pvmfgetinst: not a member', inum, PvmNotInGroup)
    call pvmfgettid('fapi', 0, t)
    call check_eq('pvmfgettid', t, mytid)
    call pvmfgettid('fapi', 5, t)
    call check_eq('pvmfgettid: no such instance', t, PvmNoInst)
    call pvmffreezegroup('fapi', 1, info)
    call check('pvmffreezegroup', info >= 0)
    call pvmfbarrier('fapi', 1, info)
    call check_eq('pvmfbarrier of 1', info, PvmOk)
    call pvmfbarrier('fapi', 0, info)
    call check_eq('pvmfbarrier: count 0', info, PvmMismatch)
    call pvmfinitsend(PVMDEFAULT, bufid)
    call pvmfbcast('fapi', 60, info)
    call check_eq('pvmfbcast: nobody else', info, PvmNoInst)
    iv = [3, -1, 2]
    call pvmfreduce(PvmSum, iv, 3, INTEGER4, 61, 'fapi', 0, info)
    call check('pvmfreduce PvmSum, one member', info == 0 .and. all(iv == [3, -1, 2]))
    d = [1.0d0, 2.0d0]
    call pvmfreduce(PvmMax, d, 2, REAL8, 62, 'fapi', 0, info)
    call check_eq('pvmfreduce PvmMax REAL8', info, PvmOk)
    call pvmfreduce(PvmSum, iv, 3, INTEGER4, 61, 'nosuchgroup', 0, info)
    call check('pvmfreduce: no such group', info < 0)
    res = 0
    call pvmfgather(res, iv, 1, INTEGER4, 63, 'fapi', 0, info)
    call check('pvmfgather, one member', info == 0 .and. res(1) == 3)
    call pvmfscatter(res(2), iv, 1, INTEGER4, 64, 'fapi', 0, info)
    call check('pvmfscatter, one member', info == 0 .and. res(2) == 3)
    call pvmflvgroup('fapi', info)
    call check_eq('pvmflvgroup', info, PvmOk)
    call pvmflvgroup('fapi', info)
    call check('pvmflvgroup: not a member', info == PvmNotInGroup .or. info == PvmNoGroup)
    ! PvmSum called from Fortran, as frsg.f does with PvmProduct
    iv = [1, 2, 3]
    res = [10, 20, 30]
    call pvmsum(INTEGER4, iv, res, 3, info)
    call check('call PvmSum(...) from Fortran', info == 0 .and. all(iv == [11, 22, 33]))
    call pvmproduct(BYTE1, iv, res, 3, info)
    call check_eq('PvmProduct: BYTE1 refused', info, PvmBadParam)
  end subroutine test_groups

  subroutine test_hosts()
    integer :: dtid2, nhost, narch, speed, k, found
    character(len=64) :: name, arch

    call pvmfaddhost('127.0.0.2', dtid2)
    call check('pvmfaddhost 127.0.0.2', dtid2 > 0)
    call pvmfaddhost('127.0.0.2', info)
    call check_eq('pvmfaddhost: twice', info, PvmDupHost)
    nhost = -1
    found = 0
    do k = 1, 2
      call pvmfconfig(nhost, narch, dtid, name, arch, speed, info)
      if (dtid == dtid2 .and. name == '127.0.0.2') found = found + 1
    end do
    call check('pvmfconfig lists the new host', nhost == 2 .and. found == 1)
    call pvmfmstat('127.0.0.2', info)
    call check_eq('pvmfmstat: new host', info, PvmOk)
    call pvmfdelhost('127.0.0.2', info)
    call check_eq('pvmfdelhost', info, PvmOk)
    call pvmfdelhost('127.0.0.2', info)
    call check('pvmfdelhost: not there', info < 0)
    call pvmfaddhost(long, info)
    call check_eq('pvmfaddhost: longer than 256', info, PvmBadParam)
  end subroutine test_hosts

  subroutine test_misc()
    call pvmfcatchout(1, info)
    call check_eq('pvmfcatchout on', info, PvmOk)
    call pvmfcatchout(0, info)
    call check_eq('pvmfcatchout off', info, PvmOk)
    call pvmfperror('fapi perror', info)
    call check_eq('pvmfperror', info, PvmOk)
    call pvmfsleep(0)
    call check('pvmfsleep(0) returns', .true.)
    call pvmfstartpvmd('', 1, info)
    call check_eq('pvmfstartpvmd: a pvmd runs already', info, PvmDupHost)
    call pvmfgetcontext(i)
    call check('pvmfgetcontext: base context', i >= 0)
    call pvmfsetcontext(i, old)
    call check_eq('pvmfsetcontext: the same context', old, i)
  end subroutine test_misc
end program fapi
