#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# A script written for PYNQ's allocate() (its buffer tutorial's steps: shape
# and dtype, fill, flush, physical_address to hand a device, a slice's
# address, invalidate, freebuffer, a with block), with only the import line
# changed from "from pynq import allocate". Exit status 0 when every step
# gives what PYNQ documents.
import numpy as np
from cmabuf import allocate

input_buffer = allocate(shape=(5,), dtype=np.uint32)
output_buffer = allocate(shape=(5,), dtype=np.uint32)
for i in range(5):
    input_buffer[i] = i
input_buffer.flush()
print("input at %#x, output at %#x" % (input_buffer.physical_address,
                                       output_buffer.physical_address))
assert input_buffer.device_address == input_buffer.physical_address
assert input_buffer[2:].physical_address == input_buffer.physical_address + 8
output_buffer[:] = input_buffer * 2          # stands in for the DMA engine
output_buffer.invalidate()
assert list(output_buffer) == [0, 2, 4, 6, 8], list(output_buffer)
input_buffer.freebuffer()
output_buffer.freebuffer()

with allocate(shape=(480, 640, 3), dtype=np.uint8, cacheable=False) as frame:
    frame[:, :, 0] = 255
    frame.sync_to_device()
    frame.sync_from_device()
    assert int(frame.sum()) == 480 * 640 * 255
    print("frame %s %s at %#x" % (frame.shape, frame.dtype, frame.physical_address))
print("PYNQ-style script: done")
