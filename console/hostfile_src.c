/*
 * hostfile_src.c - the console's copy of common/hostfile.c.
 *
 * libpvm3.so keeps its common/ objects to itself (it exports PVM's API
 * only), so the console, which reads hostfiles and applies their options
 * to `add', compiles the parser in, as the integration tests do with
 * common/paths.c.  (A CMake line adding common/hostfile.c to the console's
 * sources would do the same.)
 */
#include "../common/hostfile.c"
