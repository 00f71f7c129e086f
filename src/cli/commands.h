/* SPDX-License-Identifier: MIT */
/* One entry point per subcommand; each lives in its own cmd_*.c file. */
#ifndef FASTPATH_CLI_COMMANDS_H
#define FASTPATH_CLI_COMMANDS_H

/* Each gets argv[0] = "fastpath NAME" and returns the process exit code. */
int cmd_doctor(int argc, char **argv);
int cmd_testbed(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_sink(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_reflect(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

/* Map a negative errno from a command body to an exit code (1). */
static inline int cmd_exit(int err)
{
	return err ? 1 : 0;
}

#endif
