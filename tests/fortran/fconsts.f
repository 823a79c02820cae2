! fconsts.f - prints every constant of fpvm3.h; test_fpvm3_h.sh builds it
! against PVM 3.4.6's header and ours, fixed and free form, and compares.
      program consts
      include 'fpvm3.h'
      print *, PVMTASKDEFAULT, PVMTASKHOST, PVMTASKARCH, PVMTASKDEBUG
      print *, PVMTASKTRACE, PVMMPPFRONT, PVMHOSTCOMPL, PVMNOSPAWNPARENT
      print *, PVMHOST, PVMARCH, PVMDEBUG, PVMTRACE
      print *, PVMDATADEFAULT, PVMDATARAW, PVMDATAINPLACE
      print *, PVMDATATRACE
      print *, PVMDEFAULT, PVMRAW, PVMINPLACE
      print *, PVMTASKEXIT, PVMHOSTDELETE, PVMHOSTADD, PVMROUTEADD
      print *, PVMROUTEDELETE, PVMNOTIFYCANCEL
      print *, PVMROUTE, PVMDEBUGMASK, PVMAUTOERR
      print *, PVMOUTPUTTID, PVMOUTPUTCODE, PVMRESVTIDS
      print *, PVMTRACETID, PVMTRACECODE, PVMTRACEBUFFER
      print *, PVMTRACEOPTIONS, PVMFRAGSIZE, PVMSHOWTIDS, PVMNORESET
      print *, PVMTRACEFULL, PVMTRACETIME, PVMTRACECOUNT
      print *, PVMSOUTPUTTID, PVMSOUTPUTCODE, PVMSTRACETID
      print *, PVMSTRACECODE, PVMSTRACEBUFFER, PVMSTRACEOPTIONS
      print *, PVMOUTPUTCTX, PVMTRACECTX, PVMSOUTPUTCTX, PVMSTRACECTX
      print *, PVMDONTROUTE, PVMALLOWDIRECT, PVMROUTEDIRECT
      print *, PVMPOLLTYPE, PVMPOLLTIME, PVMPOLLCONSTANT, PVMPOLLSLEEP
      print *, PVMMBOXDEFAULT, PVMMBOXPERSISTENT, PVMMBOXMULTIINSTANCE
      print *, PVMMBOXOVERWRITABLE, PVMMBOXFIRSTAVAIL
      print *, PVMMBOXREADANDDELETE, PVMMBOXWAITFORINFO
      print *, STRING, BYTE1, INTEGER2, INTEGER4, INTEGER8
      print *, REAL4, COMPLEX8, REAL8, COMPLEX16
      print *, PvmOk, PvmSysErr, PvmBadParam, PvmMismatch
      print *, PvmNoData, PvmNoHost, PvmNoFile, PvmNoMem
      print *, PvmBadMsg, PvmNoBuf, PvmNoSuchBuf
      print *, PvmNullGroup, PvmDupGroup, PvmNoGroup
      print *, PvmNotInGroup, PvmNoInst, PvmHostFail, PvmNoParent
      print *, PvmNotImpl, PvmDSysErr, PvmBadVersion, PvmOutOfRes
      print *, PvmDupHost, PvmCantStart, PvmAlready, PvmNoTask
      print *, PvmNoEntry, PvmDupEntry, PvmOverflow, PvmDenied
      print *, PvmNotFound, PvmExists, PvmHostrNMstr, PvmParentNotSet
      print *, PvmIPLoopback
      end
