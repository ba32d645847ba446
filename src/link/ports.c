/* SPDX-License-Identifier: MIT
 * Serial port listing through libserialport, and the ESP USB-bridge table. */
#include "link/ports.h"

#include <dirent.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

const char *ports_bridge_name(uint16_t vid, uint16_t pid)
{
	if (vid == 0x10C4 && (pid == 0xEA60 || pid == 0xEA70 || pid == 0xEA71))
		return "CP210x";
	if (vid == 0x1A86 && (pid == 0x7523 || pid == 0x5523 || pid == 0x7522))
		return "CH340";
	if (vid == 0x1A86 && (pid == 0x55D4 || pid == 0x55D3))
		return "CH9102";
	if (vid == 0x0403)
		return "FTDI";
	return NULL;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static void describe(struct sp_port *sp, struct port_info *p)
{
	memset(p, 0, sizeof *p);
	copy_str(p->path, sizeof p->path, sp_get_port_name(sp));
	copy_str(p->description, sizeof p->description, sp_get_port_description(sp));
	if (sp_get_port_transport(sp) != SP_TRANSPORT_USB)
		return;
	int vid = 0, pid = 0;
	if (sp_get_port_usb_vid_pid(sp, &vid, &pid) == SP_OK) {
		p->vid = (uint16_t)vid;
		p->pid = (uint16_t)pid;
	}
	copy_str(p->product, sizeof p->product, sp_get_port_usb_product(sp));
	copy_str(p->serial, sizeof p->serial, sp_get_port_usb_serial(sp));
	p->bridge = ports_bridge_name(p->vid, p->pid);
}

int ports_list(struct port_info **out, size_t *count, struct ed_error *err)
{
	*out = NULL;
	*count = 0;
	struct sp_port **list = NULL;
	if (sp_list_ports(&list) != SP_OK) {
		char *msg = sp_last_error_message();
		ed_fail(err, ED_ERR_IO, "cannot list serial ports: %s", msg ? msg : "error");
		if (msg)
			sp_free_error_message(msg);
		return ED_ERR_IO;
	}
	size_t n = 0;
	while (list[n])
		n++;
	struct port_info *ports = n ? calloc(n, sizeof *ports) : NULL;
	if (n && !ports) {
		sp_free_port_list(list);
		return ed_fail(err, ED_ERR_NOMEM, "cannot list serial ports: out of memory");
	}
	for (size_t i = 0; i < n; i++)
		describe(list[i], &ports[i]);
	sp_free_port_list(list);
	*out = ports;
	*count = n;
	return ED_OK;
}

void ports_list_free(struct port_info *list)
{
	free(list);
}

size_t ports_keep_esp_bridges(struct port_info *list, size_t count)
{
	size_t kept = 0;
	for (size_t i = 0; i < count; i++)
		if (list[i].bridge)
			list[kept++] = list[i];
	return kept;
}

/* The PID holding a flock() on path (from /proc/locks), or 0. */
static long flock_holder(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	FILE *f = fopen("/proc/locks", "r");
	if (!f)
		return 0;
	char line[256];
	long found = 0;
	while (!found && fgets(line, sizeof line, f)) {
		char kind[16];
		long pid;
		unsigned maj, min;
		unsigned long ino;
		if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%lu", kind, &pid, &maj, &min, &ino) ==
			5 &&
		    !strcmp(kind, "FLOCK") && ino == st.st_ino && maj == major(st.st_dev) &&
		    min == minor(st.st_dev))
			found = pid;
	}
	fclose(f);
	return found;
}

static void process_name(long pid, char *buf, size_t cap)
{
	char comm_path[64];
	snprintf(comm_path, sizeof comm_path, "/proc/%ld/comm", pid);
	snprintf(buf, cap, "?");
	FILE *f = fopen(comm_path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)cap, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* "PID 1234 (esptool)": the process holding the port's lock, else the first other
 * process that has it open; "another program" when /proc does not say. */
bool ports_holder(const char *path, char *buf, size_t cap)
{
	char comm[64];
	long locker = flock_holder(path);
	if (locker > 0) {
		process_name(locker, comm, sizeof comm);
		snprintf(buf, cap, "PID %ld (%s%s)", locker, comm,
			 locker == (long)getpid() ? ", this process: the port is opened twice"
						  : "");
		return true;
	}
	snprintf(buf, cap, "another program");
	char want[PATH_MAX];
	if (!realpath(path, want))
		return false;
	DIR *proc = opendir("/proc");
	if (!proc)
		return false;
	pid_t self = getpid();
	struct dirent *pe;
	bool found = false;
	while (!found && (pe = readdir(proc))) {
		char *end;
		long pid = strtol(pe->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		char fds[64];
		snprintf(fds, sizeof fds, "/proc/%ld/fd", pid);
		DIR *fd_dir = opendir(fds);
		if (!fd_dir)
			continue; /* gone, or another user's */
		struct dirent *fe;
		while (!found && (fe = readdir(fd_dir))) {
			char link_path[320], target[PATH_MAX];
			if (fe->d_name[0] == '.')
				continue;
			snprintf(link_path, sizeof link_path, "%s/%s", fds, fe->d_name);
			ssize_t n = readlink(link_path, target, sizeof target - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			found = !strcmp(target, want);
		}
		closedir(fd_dir);
		if (!found)
			continue;
		process_name(pid, comm, sizeof comm);
		snprintf(buf, cap, "PID %ld (%s)", pid, comm);
	}
	closedir(proc);
	return found;
}

int ports_usb_identity(const char *path, uint16_t *vid, uint16_t *pid, char *serial, size_t cap)
{
	struct sp_port *sp = NULL;
	*vid = *pid = 0;
	if (cap)
		serial[0] = '\0';
	if (sp_get_port_by_name(path, &sp) != SP_OK)
		return 0;
	int v = 0, p = 0, usb = 0;
	if (sp_get_port_transport(sp) == SP_TRANSPORT_USB &&
	    sp_get_port_usb_vid_pid(sp, &v, &p) == SP_OK) {
		*vid = (uint16_t)v;
		*pid = (uint16_t)p;
		copy_str(serial, cap, sp_get_port_usb_serial(sp));
		usb = 1;
	}
	sp_free_port(sp);
	return usb;
}
