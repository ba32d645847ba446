/* SPDX-License-Identifier: MIT
 * Serial port listing through libserialport, and the ESP USB-bridge table. */
#include "link/ports.h"

#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
