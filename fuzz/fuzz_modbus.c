/* libFuzzer: the Modbus TCP status server's request parser, fed the bytes
 * a client on the network sends, frame after frame as the server does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modbus_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint16_t regs[MODBUS_STATUS_NREGS];
	uint8_t out[MODBUS_STATUS_FRAME_MAX];
	for (size_t i = 0; i < MODBUS_STATUS_NREGS; i++)
		regs[i] = (uint16_t)(i * 2654435761u >> 7);
	while (size) {
		size_t olen = 0;
		long took = modbus_status_frame(regs, data, size, out, &olen);
		if (took <= 0)
			break;
		if ((size_t)took > size || olen < 9 || olen > sizeof(out) ||
		    (size_t)((out[4] << 8 | out[5]) + 6) != olen)
			abort(); /* a reply must be one well-formed frame */
		data += took;
		size -= (size_t)took;
	}
	return 0;
}
