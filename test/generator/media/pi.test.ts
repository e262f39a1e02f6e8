import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withMemoryCgroup } from '../../../generator/media/pi.ts';
import { stepProgress } from '../../../generator/media/progress.ts';
import { cloudInitSchema, decodeUserData } from '../../helpers/cloud-init.ts';
import { type GeneratedOut, generateOut } from '../../helpers/generated-out.ts';
import { readNocloudSeed } from '../../helpers/nocloud.ts';
import { runCliOk, runCliRefused } from '../../helpers/run-cli.ts';
import { needing, type Tool } from '../../helpers/tools.ts';

const SECTOR = 512;
const BOOT_START = 2048;
const BOOT_SECTORS = 65536;
const BOOT_OFFSET = BOOT_START * SECTOR;
const MTOOLS = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

const UBUNTU_CMDLINE =
  'console=serial0,115200 dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc quiet splash\n';
const UBUNTU_CONFIG =
  '[all]\nkernel=vmlinuz\ncmdline=cmdline.txt\ninitramfs initrd.img followkernel\n\n[pi4]\nmax_framebuffers=2\narm_boost=1\n\n[all]\ndtparam=audio=on\n# Config settings specific to arm64\narm_64bit=1\ndtoverlay=dwc2\n';
const PIOS_CMDLINE =
  'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet';
const PIOS_CONFIG =
  '# For more options and information see\n# http://rpf.io/configtxt\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\nauto_initramfs=1\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\ndisable_fw_kms_setup=1\n\n# Run in 64-bit mode\narm_64bit=1\n\n[all]\n';
const PIOS32_CONFIG = PIOS_CONFIG.replace('# Run in 64-bit mode\narm_64bit=1\n', '');

interface ImageSpec {
  table: 'dos' | 'gpt';
  label: string;
  files: Record<string, string>;
}

const UBUNTU: ImageSpec = {
  table: 'dos',
  label: 'system-boot',
  files: {
    'cmdline.txt': UBUNTU_CMDLINE,
    'config.txt': UBUNTU_CONFIG,
    vmlinuz: 'kernel',
    'initrd.img': 'initrd',
    'user-data': "#cloud-config\n# the image's default\n",
  },
};
const PIOS: ImageSpec = {
  table: 'gpt',
  label: 'bootfs',
  files: {
    'cmdline.txt': PIOS_CMDLINE,
    'config.txt': PIOS_CONFIG,
    'kernel8.img': 'kernel',
    'kernel_2712.img': 'kernel',
  },
};
const PIOS_32: ImageSpec = {
  table: 'dos',
  label: 'bootfs',
  files: {
    'cmdline.txt': PIOS_CMDLINE,
    'config.txt': PIOS32_CONFIG,
    'kernel.img': 'k',
    'kernel7.img': 'k',
    'kernel7l.img': 'k',
    'kernel8.img': 'k',
  },
};

let generated: GeneratedOut;
let imageCount = 0;

/** A Pi-like disk image: a partition table, a FAT boot partition with the given files, a root partition. */
function piImage(spec: ImageSpec): string {
  const image = join(generated.dir, `pi-${imageCount++}.img`);
  writeFileSync(image, '');
  truncateSync(image, 48 * 1024 * 1024);
  const table =
    spec.table === 'dos'
      ? `label: dos\nstart=${BOOT_START}, size=${BOOT_SECTORS}, type=c\nstart=${BOOT_START + BOOT_SECTORS}, type=83\n`
      : `label: gpt\nstart=${BOOT_START}, size=${BOOT_SECTORS}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\nstart=${BOOT_START + BOOT_SECTORS}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n`;
  execFileSync('sfdisk', ['-q', image], { input: table, stdio: ['pipe', 'pipe', 'pipe'] });
  execFileSync(
    'mkfs.vfat',
    ['-n', spec.label, '--offset', String(BOOT_START), image, String((BOOT_SECTORS * SECTOR) / 1024)],
    { stdio: 'pipe' },
  );
  for (const [name, content] of Object.entries(spec.files)) {
    execFileSync('mcopy', ['-i', `${image}@@${BOOT_OFFSET}`, '-', `::${name}`], {
      input: content,
      env: MTOOLS,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }
  return image;
}

function mtype(image: string, name: string): Buffer {
  return execFileSync('mtype', ['-i', `${image}@@${BOOT_OFFSET}`, `::${name}`], { env: MTOOLS });
}

/** fsck.vfat has no offset option: check a copy of the partition. */
function fsckBootPartition(image: string): void {
  const copy = `${image}.boot`;
  const source = openSync(image, 'r');
  const target = openSync(copy, 'w');
  const buffer = Buffer.alloc(BOOT_SECTORS * SECTOR);
  readSync(source, buffer, 0, buffer.length, BOOT_OFFSET);
  writeSync(target, buffer);
  closeSync(source);
  closeSync(target);
  const fsck = spawnSync('fsck.vfat', ['-n', copy], { encoding: 'utf8' });
  assert.is(fsck.status, 0, `${fsck.stdout}${fsck.stderr}`);
}

async function rejects(args: string[], code: 'usage' | 'failure', message: RegExp): Promise<void> {
  await runCliRefused(['media', ...args], code === 'usage' ? 2 : 1, message);
}

const piSuite = suite('kubeseed media pi: a Raspberry Pi boot partition as a NoCloud seed');
/** What makes and reads the test's Pi images: a partition table, a FAT file system, mtools. */
const IMAGE_TOOLS: Tool[] = ['sfdisk', 'mkfs.vfat', 'fsck.vfat', 'mcopy', 'mtype', 'mdir'];
const withImageTools = needing(piSuite, { tools: IMAGE_TOOLS });
const withImageToolsAndCloudInit = needing(piSuite, { tools: [...IMAGE_TOOLS, 'cloud-init'] });

piSuite.before(async () => {
  generated = await generateOut();
});
piSuite.after(() => generated.cleanup());

withImageToolsAndCloudInit(
  'Ubuntu image (MBR, system-boot): the three files, the memory cgroup once, a clean file system',
  async () => {
    const image = piImage(UBUNTU);
    const args = ['pi', '--node', 'pi-1', '--image', image, '--from', generated.out];
    const first = await runCliOk(['media', ...args]);
    assert.match(
      first.stdout,
      /partition 1 \(system-boot\): user-data, meta-data and network-config for pi-1; cmdline\.txt now has cgroup_enable=memory cgroup_memory=1/,
    );
    const nodeDir = join(generated.out, 'nodes/pi-1');
    const seedDir = join(generated.dir, 'pi-1-seed');
    mkdirSync(seedDir);
    for (const file of ['user-data', 'meta-data', 'network-config']) {
      const written = mtype(image, file);
      assert.ok(written.equals(readFileSync(join(nodeDir, file))), file);
      writeFileSync(join(seedDir, file), written);
    }
    const expected = UBUNTU_CMDLINE.replace(/\n$/, ' cgroup_enable=memory cgroup_memory=1\n');
    assert.is(mtype(image, 'cmdline.txt').toString(), expected);

    const second = await runCliOk(['media', ...args]);
    assert.match(second.stdout, /cmdline\.txt already had the memory cgroup/);
    assert.is(mtype(image, 'cmdline.txt').toString(), expected);
    fsckBootPartition(image);

    // What cloud-init on the Pi reads from the partition.
    const seed = readNocloudSeed(seedDir);
    assert.is(seed.metaData['instance-id'], 'kubeseed-lab-pi-1');
    cloudInitSchema(decodeUserData(seed.userData));
    assert.ok(seed.interfaces!.length > 0);
  },
);

withImageTools(
  'Raspberry Pi OS image (GPT, bootfs): same files; a cmdline.txt without a final newline keeps none',
  async () => {
    const image = piImage(PIOS);
    await runCliOk(['media', ...['pi', '--node', 'pi-1', '--image', image, '--from', generated.out]]);
    assert.ok(mtype(image, 'user-data').equals(readFileSync(join(generated.out, 'nodes/pi-1/user-data'))));
    assert.is(mtype(image, 'cmdline.txt').toString(), `${PIOS_CMDLINE} cgroup_enable=memory cgroup_memory=1`);
    fsckBootPartition(image);
  },
);

withImageTools('a 32-bit image is refused before anything is written', async () => {
  const image = piImage(PIOS_32);
  await rejects(
    ['pi', '--node', 'pi-1', '--image', image, '--from', generated.out],
    'failure',
    /partition 1 \(bootfs\) is a 32-bit \(armhf\) image: it has kernel\.img, kernel7\.img, kernel7l\.img; kubeseed needs a 64-bit \(arm64\) image/,
  );
  const noFlag = piImage({ ...PIOS, files: { ...PIOS.files, 'config.txt': PIOS32_CONFIG } });
  await rejects(
    ['pi', '--node', 'pi-1', '--image', noFlag, '--from', generated.out],
    'failure',
    /is a 32-bit \(armhf\) image: config\.txt does not set arm_64bit=1/,
  );
  const names = execFileSync('mdir', ['-b', '-i', `${image}@@${BOOT_OFFSET}`, '::'], { env: MTOOLS, encoding: 'utf8' });
  assert.not.match(names, /user-data/);
  assert.is(mtype(image, 'cmdline.txt').toString(), PIOS_CMDLINE);
});

withImageTools('an amd64 node and an Ignition node are refused, naming the spec field to change', async () => {
  const image = piImage(UBUNTU);
  await rejects(
    ['pi', '--node', 'w-1', '--image', image, '--from', generated.out],
    'failure',
    /node w-1 is amd64, but a Raspberry Pi runs arm64 images; set arch: arm64 for w-1/,
  );
  await rejects(
    ['pi', '--node', 'fc-1', '--image', image, '--from', generated.out],
    'failure',
    /node fc-1 uses the ignition carrier/,
  );
  assert.is(mtype(image, 'cmdline.txt').toString(), UBUNTU_CMDLINE);
});

withImageTools('an image without a Pi boot partition, or still compressed, says what it found', async () => {
  const other = piImage({ ...UBUNTU, label: 'BOOT' });
  await rejects(
    ['pi', '--node', 'pi-1', '--image', other, '--from', generated.out],
    'failure',
    /no FAT partition labelled system-boot \(Ubuntu\) or bootfs \(Raspberry Pi OS\); found partition 1 labelled "BOOT"/,
  );
  const xz = join(generated.dir, 'ubuntu.img.xz');
  writeFileSync(xz, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]));
  await rejects(
    ['pi', '--node', 'pi-1', '--image', xz, '--from', generated.out],
    'failure',
    /is xz-compressed; decompress it first \(xz -dk /,
  );
  await rejects(
    ['pi', '--node', 'pi-1', '--image', join(generated.dir, 'missing.img'), '--from', generated.out],
    'failure',
    /cannot read --image .*missing\.img: no such file/,
  );
});

withImageTools('without mtools the error says how to install it', async () => {
  const image = piImage(UBUNTU);
  const path = process.env.PATH;
  process.env.PATH = join(generated.dir, 'no-tools-here');
  try {
    await rejects(
      ['pi', '--node', 'pi-1', '--image', image, '--from', generated.out],
      'failure',
      /mtools is not installed .*apt-get install mtools/,
    );
  } finally {
    process.env.PATH = path;
  }
});

piSuite('--boot-dir writes the same files into a mounted partition, idempotently', async () => {
  const dir = join(generated.dir, 'mounted-boot');
  mkdirSync(dir);
  writeFileSync(join(dir, 'cmdline.txt'), UBUNTU_CMDLINE);
  writeFileSync(join(dir, 'config.txt'), UBUNTU_CONFIG);
  const args = ['pi', '--node', 'pi-1', '--boot-dir', dir, '--from', generated.out];
  await runCliOk(['media', ...args]);
  await runCliOk(['media', ...args]);
  for (const file of ['user-data', 'meta-data', 'network-config']) {
    assert.ok(readFileSync(join(dir, file)).equals(readFileSync(join(generated.out, 'nodes/pi-1', file))), file);
  }
  assert.is(
    readFileSync(join(dir, 'cmdline.txt'), 'utf8'),
    UBUNTU_CMDLINE.replace(/\n$/, ' cgroup_enable=memory cgroup_memory=1\n'),
  );
  assert.equal(readdirSync(dir).sort(), ['cmdline.txt', 'config.txt', 'meta-data', 'network-config', 'user-data']);
});

piSuite('usage: exactly one of --image and --boot-dir, and --node', async () => {
  await rejects(['pi', '--node', 'pi-1'], 'usage', /give exactly one of --image FILE\.img or --boot-dir DIR/);
  await rejects(['pi', '--node', 'pi-1', '--image', 'a.img', '--boot-dir', 'b'], 'usage', /exactly one/);
  await rejects(['pi', '--image', 'a.img'], 'usage', /required option '--node <name>' not specified/);
});

piSuite('withMemoryCgroup: only missing flags, on the first line, before init arguments', () => {
  assert.is(
    withMemoryCgroup('root=/dev/mmcblk0p2 rootwait\n'),
    'root=/dev/mmcblk0p2 rootwait cgroup_enable=memory cgroup_memory=1\n',
  );
  assert.is(withMemoryCgroup('root=x cgroup_memory=1\r\n'), 'root=x cgroup_memory=1 cgroup_enable=memory\r\n');
  assert.is(
    withMemoryCgroup('root=x cgroup_enable=memory cgroup_memory=1'),
    'root=x cgroup_enable=memory cgroup_memory=1',
  );
  assert.is(
    withMemoryCgroup('root=x quiet -- single\n'),
    'root=x quiet cgroup_enable=memory cgroup_memory=1 -- single\n',
  );
  assert.is(
    withMemoryCgroup('root=x  \nsecond line\n'),
    'root=x cgroup_enable=memory cgroup_memory=1  \nsecond line\n',
  );
  assert.is(withMemoryCgroup(''), 'cgroup_enable=memory cgroup_memory=1');
  // A flag that merely contains the text does not count.
  assert.is(withMemoryCgroup('xcgroup_memory=1'), 'xcgroup_memory=1 cgroup_enable=memory cgroup_memory=1');
});

piSuite('progress: a redrawn bar on a terminal, lines for a large image in a log, silence otherwise', () => {
  const record = (isTTY: boolean, bytes: number) => {
    let text = '';
    const progress = stepProgress(2, bytes, { isTTY, write: (chunk: string) => (text += chunk) });
    progress.step('one');
    progress.step('two');
    progress.done();
    return text;
  };
  assert.is(record(true, 0), '\r[##########..........] 1/2 one\x1b[K\r[####################] 2/2 two\x1b[K\n');
  assert.is(record(false, 512 * 1024 * 1024), '[1/2] one\n[2/2] two\n');
  assert.is(record(false, 48 * 1024 * 1024), '');
});

piSuite.run();
