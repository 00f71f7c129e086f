// SPDX-License-Identifier: MIT
/*
 * lb: the control path (commands in docs/nf/lb.md): services, backends,
 * their Maglev tables, and the expiry of idle sessions.
 *
 * The NF state mirrors what the tables hold (services, backends, each
 * service's ring as last written), so that a change writes only what
 * changed: adding a backend to a service of N rewrites about M/(N+1) ring
 * slots, one atomic array update each, and every slot always names a
 * backend that exists.
 *
 * Backend ids are handed out round-robin and a deleted backend's sessions
 * are swept at once: a session names its backend by id, and an id given
 * to a backend of another service while an idle session still named it
 * would send that flow to the wrong service when it resumed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/maglev.h"
#include "fastpath/nf_info.h"
#include "lib/nf_ctl_util.h"
/* The NF's types and sizes; its tables and packet code are nf_user.c's. */
#define FP_NF_TYPES_ONLY
#include "nf/lb.h"

/* One error line per failed command, on the command's output. */
#define lb_err(out, err, ...) nf_ctl_err(out, "lb", err, __VA_ARGS__)

#define LB_DEFAULT_TIMEOUT_S	60
#define LB_MAX_TIMEOUT_S	86400
#define NS_PER_S		UINT64_C(1000000000)

struct lb_svc {
	bool used;
	struct fp_lb_vip_key key;
	uint32_t n_active;
	uint32_t *ring;			/* FP_LB_RING_SIZE ids, as written */
};

struct lb_be {
	bool used;
	bool gone;			/* deactivated, id not yet free */
	uint32_t svc;
	struct fp_lb_backend b;
};

struct lb_state {
	struct fp_table *vips, *backends, *ring, *sessions, *reverse, *stats;
	uint32_t max_svc, max_be;	/* from the tables' sizes */
	uint32_t next_be;		/* round-robin cursor, 1.. */
	uint64_t timeout_ns;
	uint64_t now_ns;		/* of the tick being run */
	struct lb_svc svc[FP_LB_MAX_SERVICES];
	struct lb_be be[FP_LB_MAX_BACKENDS];
};

static const char *const stat_names[FP_LB_STAT_MAX] = {
	[FP_LB_FORWARD] = "forward",
	[FP_LB_REPLY] = "reply",
	[FP_LB_NEW_SESSION] = "new_session",
	[FP_LB_SESSION_FULL] = "session_full",
	[FP_LB_NO_BACKEND] = "no_backend",
};

#define LB_HELP								\
"service add VIP:PORT/udp|tcp   a service, e.g. 198.18.0.100:80/tcp or\n" \
"                               [2001:2::100]:80/tcp (at most 64)\n"	\
"service del VIP:PORT/udp|tcp   remove it and its backends\n"		\
"backend add VIP:PORT/PROTO BIP:BPORT MAC\n"			\
"                               a backend of the service, same family,\n" \
"                               e.g. 198.18.1.1:8080 02:fa:00:00:01:01\n" \
"                               (MAC: where frames to it go)\n"		\
"backend del VIP:PORT/PROTO BIP:BPORT\n"				\
"                               remove it; its flows move to the others\n" \
"timeout SECONDS                idle time after which a session ends\n" \
"                               (start: 60, 1..86400)\n"		\
"timeout                        print it\n"				\
"list                           services, backends and the timeout as\n" \
"                               lines of a rules file, then the sessions\n" \
"                               per world (xdp, user) in a comment\n" \
"help                           this text\n"

/* ---- parsing ------------------------------------------------------------- */

/* "VIP:PORT/udp" or "/tcp" into a lb_vips key. */
static int parse_vip(const char *s, struct fp_lb_vip_key *k)
{
	char buf[80], *slash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strrchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash++ = '\0';
	memset(k, 0, sizeof(*k));
	if (!strcmp(slash, "udp"))
		k->proto = FP_IPPROTO_UDP;
	else if (!strcmp(slash, "tcp"))
		k->proto = FP_IPPROTO_TCP;
	else
		return -EINVAL;
	return nf_ctl_parse_addr_port(buf, &k->family, k->addr, &k->port);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int v[6], i;
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* ---- printing ------------------------------------------------------------ */

static void print_vip(FILE *out, const struct fp_lb_vip_key *k)
{
	nf_ctl_print_addr_port(out, k->family, k->addr, k->port);
	fputs(k->proto == FP_IPPROTO_TCP ? "/tcp" : "/udp", out);
}

/* ---- state --------------------------------------------------------------- */

static int find_svc(struct lb_state *st, const struct fp_lb_vip_key *k)
{
	uint32_t i;

	for (i = 0; i < st->max_svc; i++)
		if (st->svc[i].used && !memcmp(&st->svc[i].key, k, sizeof(*k)))
			return (int)i;
	return -1;
}

static uint32_t find_be(struct lb_state *st, uint32_t svc, uint8_t family,
			const uint8_t *addr, __be16 port)
{
	uint32_t i;

	for (i = 1; i < st->max_be; i++) {
		const struct lb_be *e = &st->be[i];

		if (e->used && !e->gone && e->svc == svc &&
		    e->b.family == family &&
		    e->b.port == port && !memcmp(e->b.addr, addr, 16))
			return i;
	}
	return 0;
}

static uint32_t alloc_be(struct lb_state *st)
{
	uint32_t i, id;

	for (i = 0; i < st->max_be - 1; i++) {
		id = (st->next_be - 1 + i) % (st->max_be - 1) + 1;
		if (!st->be[id].used) {
			st->next_be = id % (st->max_be - 1) + 1;
			return id;
		}
	}
	return 0;
}

static int write_service(struct lb_state *st, uint32_t s, uint64_t flags)
{
	struct fp_lb_service v = { .id = s, .backends = st->svc[s].n_active };

	return fp_table_update(st->vips, &st->svc[s].key, &v, flags);
}

/*
 * Build service @s's Maglev table from its active backends and write the
 * slots that changed, then the count in lb_vips.
 */
static int rebuild(struct lb_state *st, uint32_t s, FILE *out)
{
	struct lb_svc *sv = &st->svc[s];
	struct fp_maglev_backend *mb;
	uint32_t *ring, i, n = 0, idx;
	int err;

	mb = calloc(st->max_be, sizeof(*mb));
	ring = malloc(FP_LB_RING_SIZE * sizeof(*ring));
	if (!mb || !ring) {
		err = lb_err(out, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 1; i < st->max_be; i++) {
		const struct lb_be *e = &st->be[i];

		if (!e->used || e->svc != s || !e->b.active)
			continue;
		fp_maglev_name(&mb[n], e->b.addr,
			       e->b.family == FP_AF_INET ? 4 : 16,
			       fp_ntohs(e->b.port));
		mb[n++].id = i;
	}
	err = fp_maglev_build(mb, n, ring, FP_LB_RING_SIZE);
	if (err) {
		err = lb_err(out, err, "cannot build the Maglev table: %s",
			     strerror(-err));
		goto out;
	}
	for (i = 0; i < FP_LB_RING_SIZE; i++) {
		if (ring[i] == sv->ring[i])
			continue;
		idx = s * FP_LB_RING_SIZE + i;
		err = fp_table_update(st->ring, &idx, &ring[i], FP_ANY);
		if (err) {
			err = lb_err(out, err, "cannot write lb_ring: %s",
				     strerror(-err));
			goto out;
		}
		sv->ring[i] = ring[i];
	}
	sv->n_active = n;
	err = write_service(st, s, FP_EXIST);
	if (err)
		err = lb_err(out, err, "cannot write lb_vips: %s",
			     strerror(-err));
out:
	free(mb);
	free(ring);
	return err;
}

/* Step one of removing backend @id: no packet goes to it from now on;
 * flows whose ring slot or session names it are re-balanced by the data
 * path.  It keeps its id until free_gone(). */
static int deactivate(struct lb_state *st, uint32_t id, FILE *out)
{
	struct lb_be *e = &st->be[id];
	struct fp_lb_backend off = e->b;
	int err;

	off.active = 0;
	err = fp_table_update(st->backends, &id, &off, FP_ANY);
	if (err)
		return lb_err(out, err, "cannot write lb_backends: %s",
			      strerror(-err));
	e->b.active = 0;
	e->gone = true;
	return 0;
}

static bool session_gone(const void *key, const void *val, void *ctx)
{
	const struct fp_lb_session *s = val;
	const struct lb_state *st = ctx;

	return s->backend < st->max_be && st->be[s->backend].used &&
	       st->be[s->backend].gone;
}

/* Step two, once no ring slot names them: the sessions of deactivated
 * backends go (one walk for all), then their ids are free. */
static int free_gone(struct lb_state *st, FILE *out)
{
	struct fp_lb_backend zero = { 0 };
	uint64_t n;
	uint32_t id;
	int err;

	err = fp_table_sweep(st->sessions, session_gone, st, &n);
	if (err)
		return lb_err(out, err, "cannot sweep lb_sessions: %s",
			      strerror(-err));
	for (id = 1; id < st->max_be; id++) {
		if (!st->be[id].used || !st->be[id].gone)
			continue;
		fp_table_update(st->backends, &id, &zero, FP_ANY);
		memset(&st->be[id], 0, sizeof(st->be[id]));
	}
	return 0;
}

static int remove_backend(struct lb_state *st, uint32_t id, FILE *out)
{
	int err = deactivate(st, id, out);

	if (!err)
		err = rebuild(st, st->be[id].svc, out);
	if (!err)
		err = free_gone(st, out);
	return err;
}

/* ---- commands ------------------------------------------------------------ */

static int cmd_service(struct lb_state *st, int argc, char **argv, FILE *out)
{
	struct fp_lb_vip_key k;
	uint32_t s, id;
	int i, err;

	if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")))
		return lb_err(out, -EINVAL, "usage: service add|del "
			      "VIP:PORT/udp|tcp");
	if (parse_vip(argv[2], &k))
		return lb_err(out, -EINVAL, "'%s' is not VIP:PORT/udp|tcp "
			      "(198.18.0.100:80/tcp, [2001:2::100]:80/udp)",
			      argv[2]);
	i = find_svc(st, &k);
	if (!strcmp(argv[1], "add")) {
		if (i >= 0)
			return lb_err(out, -EEXIST, "service %s exists",
				      argv[2]);
		for (s = 0; s < st->max_svc && st->svc[s].used; s++)
			;
		if (s == st->max_svc)
			return lb_err(out, -ENOSPC, "%u services already; "
				      "delete one first", st->max_svc);
		st->svc[s].ring = calloc(FP_LB_RING_SIZE, sizeof(uint32_t));
		if (!st->svc[s].ring)
			return lb_err(out, -ENOMEM, "out of memory");
		st->svc[s].key = k;
		st->svc[s].n_active = 0;
		err = write_service(st, s, FP_NOEXIST);
		if (err) {
			free(st->svc[s].ring);
			st->svc[s].ring = NULL;
			return lb_err(out, err, "cannot add %s to lb_vips: %s",
				      argv[2], strerror(-err));
		}
		st->svc[s].used = true;
		return 0;
	}

	if (i < 0)
		return lb_err(out, -ENOENT, "service %s does not exist; 'list' "
			      "shows the services", argv[2]);
	s = (uint32_t)i;
	/* Out of lb_vips first: new packets to the VIP are not ours any
	 * more, and its ring and backends can go at leisure. */
	err = fp_table_delete(st->vips, &k);
	if (err && err != -ENOENT)
		return lb_err(out, err, "cannot delete %s from lb_vips: %s",
			      argv[2], strerror(-err));
	for (id = 1; id < st->max_be; id++)
		if (st->be[id].used && st->be[id].svc == s &&
		    (err = deactivate(st, id, out)))
			return err;
	/* An empty ring for the next service of this id. */
	for (id = 0; id < FP_LB_RING_SIZE; id++) {
		uint32_t idx = s * FP_LB_RING_SIZE + id, zero = 0;

		if (st->svc[s].ring[id] &&
		    (err = fp_table_update(st->ring, &idx, &zero, FP_ANY)))
			return lb_err(out, err, "cannot write lb_ring: %s",
				      strerror(-err));
		st->svc[s].ring[id] = 0;
	}
	free(st->svc[s].ring);
	memset(&st->svc[s], 0, sizeof(st->svc[s]));
	return free_gone(st, out);
}

static int cmd_backend(struct lb_state *st, int argc, char **argv, FILE *out)
{
	bool add = argc >= 2 && !strcmp(argv[1], "add");
	struct fp_lb_vip_key k;
	struct lb_be e = { 0 };
	uint32_t s, id;
	int i, err;

	if (!(add && argc == 5) &&
	    !(argc == 4 && !strcmp(argv[1], "del")))
		return lb_err(out, -EINVAL, "usage: backend add VIP:PORT/PROTO "
			      "BIP:BPORT MAC, or backend del VIP:PORT/PROTO "
			      "BIP:BPORT");
	if (parse_vip(argv[2], &k))
		return lb_err(out, -EINVAL, "'%s' is not VIP:PORT/udp|tcp "
			      "(198.18.0.100:80/tcp, [2001:2::100]:80/udp)",
			      argv[2]);
	i = find_svc(st, &k);
	if (i < 0)
		return lb_err(out, -ENOENT, "service %s does not exist; add it "
			      "first with 'service add %s'", argv[2], argv[2]);
	s = (uint32_t)i;
	if (nf_ctl_parse_addr_port(argv[3], &e.b.family, e.b.addr, &e.b.port))
		return lb_err(out, -EINVAL, "'%s' is not BIP:BPORT "
			      "(198.18.1.1:8080, [2001:2::1:1]:8080)", argv[3]);
	if (e.b.family != k.family)
		return lb_err(out, -EINVAL, "backend %s is not of the family "
			      "of service %s", argv[3], argv[2]);
	id = find_be(st, s, e.b.family, e.b.addr, e.b.port);

	if (!add) {
		if (!id)
			return lb_err(out, -ENOENT, "%s is not a backend of %s",
				      argv[3], argv[2]);
		return remove_backend(st, id, out);
	}
	if (id)
		return lb_err(out, -EEXIST, "%s is a backend of %s already",
			      argv[3], argv[2]);
	if (parse_mac(argv[4], e.b.mac))
		return lb_err(out, -EINVAL, "'%s' is not a MAC address "
			      "(02:fa:00:00:01:01)", argv[4]);
	id = alloc_be(st);
	if (!id)
		return lb_err(out, -ENOSPC, "%u backends already; delete one "
			      "first", st->max_be - 1);
	e.used = true;
	e.svc = s;
	e.b.active = 1;
	/* The backend exists before any ring slot names it. */
	err = fp_table_update(st->backends, &id, &e.b, FP_ANY);
	if (err)
		return lb_err(out, err, "cannot write lb_backends: %s",
			      strerror(-err));
	st->be[id] = e;
	err = rebuild(st, s, out);
	if (err) {
		/* Not in the ring (or partly): take it out again, quietly:
		 * the error is said. */
		remove_backend(st, id, NULL);
		return err;
	}
	return 0;
}

static int cmd_timeout(struct lb_state *st, int argc, char **argv, FILE *out)
{
	uint64_t v;

	if (argc == 1) {
		fprintf(out, "lb timeout %" PRIu64 "\n",
			st->timeout_ns / NS_PER_S);
		return 0;
	}
	if (argc != 2 || nf_ctl_parse_dec(argv[1], LB_MAX_TIMEOUT_S, &v) || !v)
		return lb_err(out, -EINVAL, "usage: timeout SECONDS (1..%u)",
			      LB_MAX_TIMEOUT_S);
	st->timeout_ns = v * NS_PER_S;
	return 0;
}

/* Entries of @t in one world only. */
static int count_in(const struct fp_table *t, bool bpf, uint64_t *n)
{
	struct fp_table one = *t;

	if (bpf)
		one.ut = NULL;
	else
		one.fd = -1;
	return fp_table_count(&one, n);
}

static int cmd_list(struct lb_state *st, int argc, char **argv, FILE *out)
{
	uint64_t n;
	uint32_t s, id;

	if (argc != 1)
		return lb_err(out, -EINVAL, "usage: list");
	for (s = 0; s < st->max_svc; s++) {
		const struct lb_svc *sv = &st->svc[s];

		if (!sv->used)
			continue;
		fputs("lb service add ", out);
		print_vip(out, &sv->key);
		fprintf(out, " # id %u, %u backends\n", s, sv->n_active);
		for (id = 1; id < st->max_be; id++) {
			const struct lb_be *e = &st->be[id];
			const uint8_t *m = e->b.mac;

			if (!e->used || e->gone || e->svc != s)
				continue;
			fputs("lb backend add ", out);
			print_vip(out, &sv->key);
			fputc(' ', out);
			nf_ctl_print_addr_port(out, e->b.family, e->b.addr, e->b.port);
			fprintf(out, " %02x:%02x:%02x:%02x:%02x:%02x # id %u\n",
				m[0], m[1], m[2], m[3], m[4], m[5], id);
		}
	}
	fprintf(out, "lb timeout %" PRIu64 "\n", st->timeout_ns / NS_PER_S);
	fputs("# sessions", out);
	if (st->sessions->fd >= 0 && !count_in(st->sessions, true, &n))
		fprintf(out, " xdp %" PRIu64, n);
	if (st->sessions->ut && !count_in(st->sessions, false, &n))
		fprintf(out, " user %" PRIu64, n);
	fputc('\n', out);
	return 0;
}

static int lb_ctl(struct fp_nf_inst *nf, int argc, char **argv, FILE *out)
{
	struct lb_state *st = nf->state;

	if (!strcmp(argv[0], "service"))
		return cmd_service(st, argc, argv, out);
	if (!strcmp(argv[0], "backend"))
		return cmd_backend(st, argc, argv, out);
	if (!strcmp(argv[0], "timeout"))
		return cmd_timeout(st, argc, argv, out);
	if (!strcmp(argv[0], "list"))
		return cmd_list(st, argc, argv, out);
	return -EOPNOTSUPP;
}

/* ---- expiry -------------------------------------------------------------- */

static bool idle(const struct lb_state *st, uint64_t last_ns)
{
	/* Signed: the data path may have stamped it after now was read. */
	return (int64_t)(st->now_ns - last_ns) > (int64_t)st->timeout_ns;
}

/* The reply direction of a session: backend -> client. */
static bool reverse_key(const struct lb_state *st, const struct fp_tuple *s,
			uint32_t backend, struct fp_tuple *r)
{
	const struct lb_be *e;

	if (backend == 0 || backend >= st->max_be || !st->be[backend].used)
		return false;
	e = &st->be[backend];
	*r = *s;
	memcpy(r->saddr, e->b.addr, 16);
	r->sport = e->b.port;
	memcpy(r->daddr, s->saddr, 16);
	r->dport = s->sport;
	return true;
}

/*
 * A flow is idle when both directions are: a stream that only flows back
 * (a server pushing over UDP) keeps its forward session, and the other
 * way round.
 */
static bool session_idle(const void *key, const void *val, void *ctx)
{
	struct lb_state *st = ctx;
	const struct fp_lb_session *s = val;
	struct fp_lb_reverse rv;
	struct fp_tuple rk;

	if (!idle(st, s->last_ns))
		return false;
	if (!reverse_key(st, key, s->backend, &rk) ||
	    fp_table_lookup(st->reverse, &rk, &rv))
		return true;
	return idle(st, rv.last_ns);
}

static bool reverse_idle(const void *key, const void *val, void *ctx)
{
	struct lb_state *st = ctx;
	const struct fp_lb_reverse *rv = val;
	const struct fp_tuple *rk = key;
	struct fp_lb_session s;
	struct fp_tuple sk, back;

	if (!idle(st, rv->last_ns))
		return false;
	sk = *rk;
	memcpy(sk.saddr, rk->daddr, 16);
	sk.sport = rk->dport;
	memcpy(sk.daddr, rv->vip, 16);
	sk.dport = rv->vip_port;
	if (fp_table_lookup(st->sessions, &sk, &s))
		return true;
	/* Its session went to another backend since: this one is stale. */
	if (!reverse_key(st, &sk, s.backend, &back) ||
	    memcmp(&back, rk, sizeof(back)))
		return true;
	return idle(st, s.last_ns);
}

static void lb_tick(struct fp_nf_inst *nf, uint64_t now_ns)
{
	struct lb_state *st = nf->state;
	uint64_t n;
	int err;

	st->now_ns = now_ns;
	err = fp_table_sweep(st->sessions, session_idle, st, &n);
	if (!err)
		err = fp_table_sweep(st->reverse, reverse_idle, st, &n);
	if (err)
		fp_warn("lb: cannot expire idle sessions: %s", strerror(-err));
}

/* ---- life cycle ---------------------------------------------------------- */

static int lb_init(struct fp_nf_inst *nf)
{
	static const char *const names[] = { "lb_vips", "lb_backends",
		"lb_ring", "lb_sessions", "lb_reverse", "lb_stats" };
	struct fp_table *t[6];
	struct lb_state *st;
	unsigned int i;

	for (i = 0; i < 6; i++) {
		t[i] = fp_tables_find(nf->tables, names[i]);
		if (!t[i]) {
			fp_err("lb: table %s is missing; the engine must "
			       "create every table of fp_nf_lb_info", names[i]);
			return -ENOENT;
		}
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->vips = t[0];
	st->backends = t[1];
	st->ring = t[2];
	st->sessions = t[3];
	st->reverse = t[4];
	st->stats = t[5];
	/* Fewer services or backends if the tables were made smaller. */
	st->max_svc = st->ring->max_entries / FP_LB_RING_SIZE;
	if (st->max_svc > FP_LB_MAX_SERVICES)
		st->max_svc = FP_LB_MAX_SERVICES;
	if (st->max_svc > st->vips->max_entries)
		st->max_svc = st->vips->max_entries;
	st->max_be = st->backends->max_entries;
	if (st->max_be > FP_LB_MAX_BACKENDS)
		st->max_be = FP_LB_MAX_BACKENDS;
	if (st->max_be < 2 || !st->max_svc) {
		fp_err("lb: lb_backends (%u entries) or lb_ring (%u) is too "
		       "small; use at least 2 and %u",
		       st->backends->max_entries, st->ring->max_entries,
		       FP_LB_RING_SIZE);
		free(st);
		return -EINVAL;
	}
	st->next_be = 1;
	st->timeout_ns = LB_DEFAULT_TIMEOUT_S * NS_PER_S;
	nf->state = st;
	return 0;
}

/* lb_stats summed over CPUs, workers and worlds, then the control
 * state.  JSON: members separated by commas, none after the last. */
static void lb_stats_out(struct fp_nf_inst *nf, FILE *out, bool json)
{
	struct lb_state *st = nf->state;
	uint32_t i, n_svc = 0, n_be = 0;
	uint64_t v;

	for (i = 0; i < st->max_svc; i++)
		n_svc += st->svc[i].used;
	for (i = 1; i < st->max_be; i++)
		n_be += st->be[i].used && !st->be[i].gone;
	for (i = 0; i < FP_LB_STAT_MAX; i++) {
		if (fp_table_sum(st->stats, i, &v))
			v = 0;
		if (json)
			fprintf(out, "\"%s\":%" PRIu64 ",", stat_names[i], v);
		else
			fprintf(out, "%s %" PRIu64 "\n", stat_names[i], v);
	}
	if (json)
		fprintf(out, "\"services\":%u,\"backends\":%u", n_svc, n_be);
	else
		fprintf(out, "services %u\nbackends %u\n", n_svc, n_be);
}

static void lb_fini(struct fp_nf_inst *nf)
{
	struct lb_state *st = nf->state;
	uint32_t i;

	if (!st)
		return;
	for (i = 0; i < FP_LB_MAX_SERVICES; i++)
		free(st->svc[i].ring);
	free(st);
	nf->state = NULL;
}

#define LB_ONE(...) + 1

const struct fp_nf_info fp_nf_lb_info = {
	.name = "lb",
	.id = FP_NF_LB,
	.summary = "L4 load balancer (NAT): Maglev backend choice, sessions",
	.ctl_help = LB_HELP,
	.tables = fp_nf_lb_tables,
	.n_tables = 0 FP_LB_TABLES(LB_ONE),
	.need_time = true,
	.early_ok = false,
	.init = lb_init,
	.ctl = lb_ctl,
	.tick = lb_tick,
	.stats = lb_stats_out,
	.fini = lb_fini,
};
