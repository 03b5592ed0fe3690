/**
 * Deterministic synthetic CRM data for benchmarks: names, companies, addresses and
 * phone numbers drawn from fixed lists with a seeded generator, so two runs (and
 * two engines) search the same world.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIRST = ('James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph Jessica Thomas Sarah ' +
  'Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna ' +
  'Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey ' +
  'Cynthia Ryan Dorothy Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma Stephen Brenda Larry Pamela Justin Nicole Scott Anna ' +
  'Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia ' +
  'Dennis Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria Nathan Joyce Henry Lauren Zachary Kelly Douglas Christina ' +
  'Peter Ruth Kyle Joan Noah Virginia Ethan Judith Jeremy Evelyn Walter Hannah Christian Andrea Keith Megan Roger Cheryl Terry Jacqueline ' +
  'Austin Madison Sean Teresa Gerald Abigail Carl Sophia Harold Martha Dylan Sara Arthur Gloria Lawrence Janice Jordan Kathryn Jesse Ann').split(' ');
export const LAST = ('Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor ' +
  'Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen ' +
  'Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards ' +
  'Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward ' +
  'Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Chen').split(' ');
export const CN_FAMILY = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
export const CN_GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽'.split('');
const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Pine St', 'Elm St', 'Washington Blvd', 'Lake Rd', 'Hill St', 'Park Ave', 'Sunset Blvd', 'River Rd'];
const CN_STREETS = ['中山路', '人民路', '解放路', '建设路', '和平路', '长江路', '黄河路', '南京路', '延安路', '淮海路'];
const CO_A = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Wonka', 'Hooli', 'Vandelay', 'Cyberdyne', 'Soylent', 'Tyrell', 'Gringotts', 'Oscorp', 'Nakatomi', 'Pied', 'Massive', 'Aperture', 'Black Mesa', 'Monarch'];
const CO_B = ['Holdings', 'Logistics', 'Systems', 'Foods', 'Partners', 'Labs', 'Trading', 'Group', 'Media', 'Retail', 'Health', 'Energy'];

export const companyName = (i: number) => `${CO_A[i % CO_A.length]} ${CO_B[Math.floor(i / CO_A.length) % CO_B.length]} ${Math.floor(i / (CO_A.length * CO_B.length)) + 1}`;

export interface SynthContact {
  firstName: string;
  lastName: string;
  address: string;
  emails: Array<{ label: string; address: string }>;
  phones: Array<{ label: string; raw: string; e164: string }>;
  companyIndex: number | null;
}

/** Contact number i: about 1 in 8 Chinese, 1 or 2 phone numbers, unique numbers per i. */
export function contact(i: number, r: () => number): SynthContact {
  const chinese = r() < 0.125;
  const firstName = chinese ? CN_GIVEN[Math.floor(r() * CN_GIVEN.length)]! + (r() < 0.6 ? CN_GIVEN[Math.floor(r() * CN_GIVEN.length)]! : '') : FIRST[Math.floor(r() * FIRST.length)]!;
  const lastName = chinese ? CN_FAMILY[Math.floor(r() * CN_FAMILY.length)]! : LAST[Math.floor(r() * LAST.length)]!;
  const address = chinese
    ? `${CN_STREETS[Math.floor(r() * CN_STREETS.length)]}${1 + Math.floor(r() * 300)}号`
    : `${1 + Math.floor(r() * 9999)} ${STREETS[Math.floor(r() * STREETS.length)]}`;
  // Numbers are derived from i so they are unique: US +1 NPA 555 xxxx-style, CN mobiles +86 13x.
  const phones: SynthContact['phones'] = [];
  const us = (n: number) => {
    const area = 201 + (n % 700);
    const rest = String(1_000_000 + Math.floor(n / 700)).slice(-7);
    return { raw: `+1 (${area}) ${rest.slice(0, 3)}-${rest.slice(3)}`, e164: `+1${area}${rest}` };
  };
  const cn = (n: number) => {
    const d = String(130_000_000_00 + n);
    return { raw: `+86 ${d.slice(0, 3)} ${d.slice(3, 7)} ${d.slice(7)}`, e164: `+86${d}` };
  };
  phones.push({ label: 'mobile', ...(chinese ? cn(i * 2) : us(i * 2)) });
  if (r() < 0.5) phones.push({ label: 'work', ...(chinese ? cn(i * 2 + 1) : us(i * 2 + 1)) });
  const mail = chinese ? `user${i}` : `${firstName}.${lastName}${i}`.toLowerCase();
  return {
    firstName,
    lastName,
    address,
    emails: [{ label: 'work', address: `${mail}@example.com` }],
    phones,
    companyIndex: r() < 0.7 ? Math.floor(r() * 2000) : null,
  };
}
