# Installed shared libraries carry their absolute path as SONAME.
#
# Why: a PVM program is linked the PVM way, `cc prog.c -LP/lib -lgpvm3
# -lpvm3`, with no RPATH.  With a plain SONAME (libpvm3.so.3) the loader
# would then pick whatever libpvm3.so.3 the system has -- on Debian, PVM
# 3.4.6's own, from the libpvm3 package -- or none.  With the absolute path
# as SONAME, the program's DT_NEEDED names this installation, so it runs
# against the library it was linked with, without LD_LIBRARY_PATH.
# Programs of this project keep finding the libraries through their RPATH.
find_program(PATCHELF patchelf)

function(pvm_install_absolute_soname)
  if(NOT PATCHELF)
    message(WARNING "patchelf not found: installed libraries keep relative SONAMEs; "
                    "programs linked against them need LD_LIBRARY_PATH or -rpath")
    return()
  endif()
  foreach(lib ${ARGN})
    install(CODE "
      set(_f \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/${lib}.so.3\")
      execute_process(COMMAND ${PATCHELF} --set-soname \"\${CMAKE_INSTALL_PREFIX}/lib/${lib}.so.3\" \"\${_f}\"
                      RESULT_VARIABLE _rc)
      if(NOT _rc EQUAL 0)
        message(FATAL_ERROR \"patchelf failed on \${_f}\")
      endif()")
  endforeach()
endfunction()
